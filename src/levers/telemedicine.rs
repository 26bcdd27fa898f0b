//! `[telemedicine]`: links from sites to their partner. A patient one
//! level above a linked site's capability gets a tele consultation of
//! `consult_minutes` extra and is treated there with `success_prob`, else
//! referred up after it. README: "[telemedicine]";
//! `docs/model.md`: "Telemedicine".

use super::{Context, Lever, Named, of_tier};
use crate::scenario::FacilityId;
use crate::scenario::validate::Checker;

raw_section! {
    /// `[telemedicine]`
    pub struct RawTelemedicine {
        pub sites: Option<Vec<String>>,
        pub success_prob: Option<f64>,
        pub consult_minutes: Option<f64>,
    }
}

/// Telemedicine links.
#[derive(Clone, Debug, PartialEq)]
pub struct Telemedicine {
    /// Linked facilities.
    pub sites: Vec<FacilityId>,
    /// The entries as written.
    pub site_names: Vec<String>,
    /// Probability a patient one level above capability is treated on site.
    pub success_prob: f64,
    /// Extra consultation time of a tele-assisted visit \[minutes\].
    pub consult_minutes: f64,
}

/// Facilities named directly or through their tier, sorted, each once.
fn sites(c: &mut Checker, path: &str, entries: &[String], ctx: &Context) -> Vec<FacilityId> {
    let mut out = Vec::new();
    for (i, n) in entries.iter().enumerate() {
        match ctx.names.lookup(n) {
            Some(Named::Tier(t)) => out.extend(of_tier(ctx.facilities, t)),
            Some(Named::Active(id)) => out.push(id),
            Some(Named::Inactive) => {}
            None => c.push(format!("{path}[{i}]"), ctx.names.unknown(n)),
        }
    }
    out.sort();
    out.dedup();
    out
}

impl Lever for Option<Telemedicine> {
    type Raw = Option<RawTelemedicine>;

    fn check(c: &mut Checker, raw: &Option<RawTelemedicine>, ctx: &Context) -> Option<Telemedicine> {
        let t = raw.clone()?;
        let site_names = t.sites.unwrap_or_else(|| vec!["township".to_string()]);
        Some(Telemedicine {
            sites: sites(c, "telemedicine.sites", &site_names, ctx),
            site_names,
            success_prob: c.probability("telemedicine.success_prob", t.success_prob, 0.6),
            consult_minutes: c.non_negative("telemedicine.consult_minutes", t.consult_minutes, 10.0),
        })
    }

    fn to_raw(&self) -> Option<RawTelemedicine> {
        self.as_ref().map(|t| RawTelemedicine {
            sites: Some(t.site_names.clone()),
            success_prob: Some(t.success_prob),
            consult_minutes: Some(t.consult_minutes),
        })
    }
}

pub(crate) mod run {
    //! Telemedicine (`docs/model.md`, "Telemedicine"): at a tele-linked site a
    //! patient one severity level above its capability is consulted with a
    //! remote specialist, the visit taking `consult_minutes` longer, and is
    //! treated there with probability `success_prob`, else triaged and
    //! referred up (the consultation's minutes spent all the same). No run
    //! state.

    use rand::RngExt;

    use crate::engine::Sim;
    use crate::scenario::{FacilityId, Severity};

    /// A tele consultation held at service start.
    #[derive(Clone, Copy, Debug, PartialEq)]
    pub(crate) struct Teleconsult {
        /// The remote specialist's help lets the site treat the patient;
        /// otherwise the patient is triaged and referred up.
        pub(crate) treated: bool,
        /// Minutes the consultation adds to the visit, whether or not it
        /// treats: the patient was consulted either way.
        pub(crate) minutes: f64,
    }

    impl Sim<'_> {
        /// Hook at service start, for a patient of `severity` above the
        /// facility's `capability`: the tele consultation held, if the site
        /// has a link and the patient is one level above capability, else
        /// `None` (a plain triage for referral). Draws one referral
        /// uniform, only when a consultation is held.
        pub(crate) fn teleconsult(
            &mut self,
            f: FacilityId,
            severity: Severity,
            capability: Severity,
        ) -> Option<Teleconsult> {
            match &self.scenario.telemedicine {
                Some(tm) if self.world.facilities[f].tele && severity as usize == capability as usize + 1 => {
                    let u: f64 = self.rngs.referral.random();
                    Some(Teleconsult {
                        treated: u < tm.success_prob,
                        minutes: tm.consult_minutes,
                    })
                }
                _ => None,
            }
        }
    }

    #[cfg(test)]
    mod tests {
        use super::Teleconsult;
        use crate::engine::Sim;
        use crate::engine::event::Event;
        use crate::engine::stepping::{arrive, quiet_world};
        use crate::scenario::{FacilityId, Severity};
        use crate::world::World;

        /// A tele-linked township center treating mild patients, certain
        /// (or never) to treat a moderate one remotely.
        fn world(success_prob: f64) -> World {
            let rest = format!(
                "[[facility]]\nname = \"thc\"\ntier = \"township\"\nat_km = [0.0, 0.0]\nhours = \"24h\"\ncapability = \"mild\"\n\
             [tiers.township]\nservice = {{ dist = \"fixed\", mean_minutes = 10 }}\n\
             [telemedicine]\nsites = [\"thc\"]\nsuccess_prob = {success_prob}\nconsult_minutes = 15.0\n"
            );
            quiet_world(1, 1, &rest)
        }

        #[test]
        fn one_level_above_capability_only() {
            for (p, treated) in [(1.0, true), (0.0, false)] {
                let w = world(p);
                let mut sim = Sim::new(&w, 0);
                let f = FacilityId(0);
                let held = Teleconsult { treated, minutes: 15.0 };
                assert_eq!(sim.teleconsult(f, Severity::Moderate, Severity::Mild), Some(held));
                assert_eq!(sim.teleconsult(f, Severity::Severe, Severity::Mild), None);
            }
        }

        /// When the consultation of a moderate patient who arrives at 0 at
        /// the tele site (10-minute visits, triage at half) ends.
        fn consultation_end(success_prob: f64) -> f64 {
            let w = world(success_prob);
            let mut sim = Sim::new(&w, 0);
            sim.start();
            arrive(&mut sim, 0.0, Severity::Moderate);
            let (t, e) = sim.events.pop().expect("the consultation ends first");
            assert!(matches!(e, Event::ServiceEnd { .. }), "{e:?}");
            t
        }

        #[test]
        fn failed_teleconsult_takes_consult_time() {
            // Treated: the full visit plus the consultation.
            assert_eq!(consultation_end(1.0), 10.0 + 15.0);
            // Not treated: the triage before referral plus the consultation
            // that found it could not be treated here.
            assert_eq!(consultation_end(0.0), 10.0 * 0.5 + 15.0);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;

    type Tele = Option<Telemedicine>;

    #[test]
    fn defaults() {
        assert_eq!(check::<Tele>(&None).0, None);
        let t = accepted::<Tele>(&raw(""));
        let t = t.unwrap();
        assert_eq!(t.site_names, ["township"]);
        assert_eq!((t.success_prob, t.consult_minutes), (0.6, 10.0));
    }

    #[test]
    fn out_of_range_values_are_named_by_their_key() {
        refused::<Tele>(&raw("consult_minutes = -1"), "telemedicine.consult_minutes");
        refused::<Tele>(&raw("sites = [\"township\", \"nowhere\"]"), "telemedicine.sites[1]");
    }

    #[test]
    fn tiers_name_every_facility_of_the_tier() {
        let s = scenario(&format!("{BASE}[telemedicine]\nsites = [\"township\", \"T\", \"C\"]\n")).unwrap();
        assert_eq!(s.telemedicine.unwrap().sites, [FacilityId(0), FacilityId(1)]);
    }

    #[test]
    fn round_trip() {
        round_trips::<Tele>(&None);
        round_trips::<Tele>(&raw("sites = [\"county\"]\nsuccess_prob = 0.3\nconsult_minutes = 4"));
    }
}
