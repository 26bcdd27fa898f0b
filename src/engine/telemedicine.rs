//! Telemedicine (`docs/model.md`, "Telemedicine"): at a tele-linked site a
//! patient one severity level above its capability is treated with a
//! remote specialist's help with probability `success_prob`, the
//! consultation taking `consult_minutes` longer. No run state.

use rand::RngExt;

use super::Sim;
use crate::scenario::{FacilityId, Severity};

impl Sim<'_> {
    /// Hook at service start, for a patient of `severity` above the
    /// facility's `capability`: the extra consultation minutes when a tele
    /// consultation treats them here, `None` when they are triaged for
    /// referral. Draws one referral uniform, only at a tele site and one
    /// level above capability.
    pub(super) fn teleconsult(&mut self, f: FacilityId, severity: Severity, capability: Severity) -> Option<f64> {
        match &self.scenario.telemedicine {
            Some(tm) if self.world.facilities[f].tele && severity as usize == capability as usize + 1 => {
                let u: f64 = self.rngs.referral.random();
                (u < tm.success_prob).then_some(tm.consult_minutes)
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::Sim;
    use super::super::stepping::quiet_world;
    use crate::scenario::{FacilityId, Severity};
    use crate::world::World;

    /// A tele-linked township center treating mild patients, certain
    /// (or never) to treat a moderate one remotely.
    fn world(success_prob: f64) -> World {
        let rest = format!(
            "[[facility]]\nname = \"thc\"\ntier = \"township\"\nat_km = [0.0, 0.0]\nhours = \"24h\"\ncapability = \"mild\"\n\
             [telemedicine]\nsites = [\"thc\"]\nsuccess_prob = {success_prob}\nconsult_minutes = 15.0\n"
        );
        quiet_world(1, 1, &rest)
    }

    #[test]
    fn one_level_above_capability_only() {
        for (p, moderate) in [(1.0, Some(15.0)), (0.0, None)] {
            let w = world(p);
            let mut sim = Sim::new(&w, 0);
            let f = FacilityId(0);
            assert_eq!(sim.teleconsult(f, Severity::Moderate, Severity::Mild), moderate);
            assert_eq!(sim.teleconsult(f, Severity::Severe, Severity::Mild), None);
        }
    }
}
