//! `[telemedicine]`: links from sites to their partner. A patient one
//! level above a linked site's capability is treated there with
//! `success_prob`, at `consult_minutes` extra. README: "[telemedicine]";
//! `docs/model.md`: "Telemedicine".

use serde::{Deserialize, Serialize};

use super::{Context, Lever, Named, of_tier};
use crate::scenario::FacilityId;
use crate::scenario::validate::Checker;

/// `[telemedicine]`
#[allow(missing_docs)] // Keys are documented in README.md ("[telemedicine]").
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawTelemedicine {
    pub sites: Option<Vec<String>>,
    pub success_prob: Option<f64>,
    pub consult_minutes: Option<f64>,
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

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;

    type Tele = Option<Telemedicine>;

    #[test]
    fn defaults() {
        assert_eq!(check::<Tele>(&None).0, None);
        let (t, problems) = check::<Tele>(&raw(""));
        assert!(problems.is_empty());
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
