//! `[referral]`: triage and upward referral (`triage_factor`,
//! `priority_referrals`), follow-up visits and down-referral
//! (`followups`, `followup_interval_days`, `down_referral_prob`). One
//! table, one file. README: "[referral]" and "[referral]: follow-ups and
//! down-referral"; `docs/model.md`: "Triage and upward referral",
//! "Follow-ups and down-referral".

use serde::{Deserialize, Serialize};

use super::{Context, Lever};
use crate::scenario::Severity;
use crate::scenario::limits::MAX_DAYS;
use crate::scenario::raw::PerSeverity;
use crate::scenario::validate::Checker;

/// `[referral]`
#[allow(missing_docs)] // Keys are documented in README.md ("[referral]").
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawReferral {
    pub triage_factor: Option<f64>,
    pub priority_referrals: Option<bool>,
    pub down_referral_prob: Option<f64>,
    pub followups: Option<PerSeverity<i64>>,
    pub followup_interval_days: Option<f64>,
}

/// Triage and referral rules.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Referral {
    /// Triage consultation time and price as a share of a full visit.
    pub triage_factor: f64,
    /// Referred patients jump ahead of self-referred ones.
    pub priority_referrals: bool,
    /// Probability that follow-ups of an episode treated at county or
    /// regional tier are referred down to the grassroots.
    pub down_referral_prob: f64,
    /// Follow-up visits per severity.
    pub followups: [u32; 4],
    /// Days between follow-up visits.
    pub followup_interval_days: f64,
}

/// Follow-up visits per severity (none unless given), at most 50 each.
fn followups(c: &mut Checker, raw: Option<&PerSeverity<i64>>) -> [u32; 4] {
    let mut followups = [0; 4];
    if let Some(f) = raw {
        for (i, v) in f.as_array().into_iter().enumerate() {
            let path = format!("referral.followups.{}", Severity::ALL[i].name());
            followups[i] = c.count(&path, *v, followups[i], 0, MAX_DAYS).min(50);
        }
    }
    followups
}

impl Lever for Referral {
    type Raw = Option<RawReferral>;

    fn check(c: &mut Checker, raw: &Option<RawReferral>, _: &Context) -> Referral {
        let r = raw.clone().unwrap_or_default();
        let followups = followups(c, r.followups.as_ref());
        Referral {
            triage_factor: c.positive("referral.triage_factor", r.triage_factor, 0.5),
            priority_referrals: r.priority_referrals.unwrap_or(false),
            down_referral_prob: c.probability("referral.down_referral_prob", r.down_referral_prob, 0.0),
            followups,
            followup_interval_days: c.positive("referral.followup_interval_days", r.followup_interval_days, 14.0),
        }
    }

    fn to_raw(&self) -> Option<RawReferral> {
        Some(RawReferral {
            triage_factor: Some(self.triage_factor),
            priority_referrals: Some(self.priority_referrals),
            down_referral_prob: Some(self.down_referral_prob),
            followups: Some(PerSeverity::full(self.followups.map(i64::from))),
            followup_interval_days: Some(self.followup_interval_days),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;

    #[test]
    fn defaults() {
        let (r, problems) = check::<Referral>(&None);
        assert!(problems.is_empty());
        assert_eq!(
            (r.triage_factor, r.down_referral_prob, r.followup_interval_days),
            (0.5, 0.0, 14.0)
        );
        assert_eq!(r.followups, [0; 4]);
        assert!(!r.priority_referrals);
    }

    #[test]
    fn out_of_range_values_are_named_by_their_key() {
        refused::<Referral>(&raw("followups.severe = -1"), "referral.followups.severe");
        refused::<Referral>(&raw("down_referral_prob = 3"), "referral.down_referral_prob");
        refused::<Referral>(&raw("triage_factor = 0"), "referral.triage_factor");
    }

    #[test]
    fn followups_are_capped_at_50() {
        assert_eq!(check::<Referral>(&raw("followups.mild = 400")).0.followups[0], 50);
    }

    #[test]
    fn round_trip() {
        round_trips::<Referral>(&None);
        round_trips::<Referral>(&raw(
            "triage_factor = 0.3\npriority_referrals = true\ndown_referral_prob = 0.7\nfollowups.severe = 2\nfollowup_interval_days = 7",
        ));
    }
}
