//! Readable names, with units, for the scenario keys sweeps vary
//! (`policy.outpatient.rate.township` -> "Township outpatient reimbursement
//! rate (0-1)"), for chart axes and titles.

/// A key path segment that stands for any tier or severity.
const TIER: &str = "<tier>";
const SEVERITY: &str = "<severity>";
/// A `rotation[i]` segment.
const ROTATION: &str = "<rotation>";

/// Known paths, segment by segment, and their names: `{tier}`,
/// `{severity}` and `{rotation}` are filled in from the path.
const KNOWN: &[(&[&str], &str)] = &[
    (
        &["policy", "outpatient", "rate", TIER],
        "{Tier} outpatient reimbursement rate (0-1)",
    ),
    (
        &["policy", "inpatient", "rate", TIER],
        "{Tier} inpatient reimbursement rate (0-1)",
    ),
    (
        &["policy", "outpatient", "deductible", TIER],
        "{Tier} outpatient deductible (CNY)",
    ),
    (
        &["policy", "inpatient", "deductible", TIER],
        "{Tier} inpatient deductible (CNY)",
    ),
    (&["tiers", TIER, "doctors"], "{Tier} doctors per facility"),
    (&["tiers", TIER, "beds"], "{Tier} beds per facility"),
    (&["tiers", TIER, "quality"], "{Tier} quality (points)"),
    (&["tiers", TIER, "capability"], "{Tier} capability"),
    (&["tiers", TIER, "hours"], "{Tier} opening hours"),
    (&["tiers", TIER, "bed_day_price"], "{Tier} price per bed-day (CNY)"),
    (
        &["tiers", TIER, "outpatient_price", SEVERITY],
        "{Tier} outpatient price, {severity} (CNY)",
    ),
    (
        &["tiers", TIER, "los_days", SEVERITY],
        "{Tier} length of stay, {severity} (days)",
    ),
    (
        &[ROTATION, "doctors_per_site"],
        "Rotating doctors per site ({rotation})",
    ),
    (&[ROTATION, "days_on"], "Days on site per stint ({rotation})"),
    (&[ROTATION, "cycle_days"], "Rotation cycle (days, {rotation})"),
    (
        &[ROTATION, "allowance_per_day"],
        "Rotation allowance (CNY per day, {rotation})",
    ),
    (
        &[ROTATION, "quality_boost"],
        "Quality added during a stint (points, {rotation})",
    ),
    (
        &[ROTATION, "training_gain"],
        "Quality gained per stint (points, {rotation})",
    ),
    (
        &["choice", "b_travel"],
        "Weight of travel time in choice (utility per hour)",
    ),
    (
        &["choice", "b_wait"],
        "Weight of expected wait in choice (utility per hour)",
    ),
    (
        &["choice", "b_cost"],
        "Weight of out-of-pocket cost in choice (utility per CNY)",
    ),
    (
        &["choice", "b_quality"],
        "Weight of quality in choice (utility per point)",
    ),
    (&["choice", "b_contract"], "Pull of the contracted facility (utility)"),
    (&["choice", "beliefs"], "Wait beliefs"),
    (&["choice", "max_travel_minutes"], "Longest travel considered (minutes)"),
    (&["choice", "nearest_per_tier"], "Facilities per tier in the choice set"),
    (
        &["demand", "episodes_per_resident_year"],
        "Episodes per resident and year",
    ),
    (
        &["demand", "chronic_share"],
        "Share of residents with a chronic condition (0-1)",
    ),
    (
        &["demand", "chronic_multiplier"],
        "Episode multiplier of chronic residents",
    ),
    (&["referral", "down_referral_prob"], "Down-referral probability (0-1)"),
    (
        &["referral", "triage_factor"],
        "Triage time and price (share of a visit, 0-1)",
    ),
    (&["referral", "followup_interval_days"], "Days between follow-ups"),
    (&["travel", "speed_kmh"], "Travel speed (km/h)"),
    (&["travel", "detour_factor"], "Road detour factor"),
    (&["budget", "per_capita_year"], "Budget per resident and year (CNY)"),
    (&["drugs", "share", TIER], "{Tier} drug share of prices (0-1)"),
    (&["drugs", "markup", TIER], "{Tier} drug markup on cost (0.15 = 15%)"),
    (
        &["drugs", "compensation"],
        "Government compensation of the markup forgone (0-1)",
    ),
    (
        &["admission", "max_boarding_hours"],
        "Longest boarding before transfer (hours)",
    ),
    (&["layout"], "Facility layout"),
    (&["days"], "Simulated days"),
    (&["warmup_days"], "Warm-up days"),
];

const TIERS: [&str; 4] = ["village", "township", "county", "regional"];
const SEVERITIES: [&str; 4] = ["mild", "moderate", "severe", "critical"];

/// `s` with its first letter in upper case.
fn capital(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// `rotation[0]` -> Some("rotation 1"): indices count from 1 for readers.
fn indexed(seg: &str) -> Option<String> {
    let (name, rest) = seg.split_once('[')?;
    let i: usize = rest.strip_suffix(']')?.parse().ok()?;
    Some(format!("{} {}", name.replace('_', " "), i + 1))
}

/// A segment in words: `doctors_per_site` -> "doctors per site".
fn words(seg: &str) -> String {
    indexed(seg).unwrap_or_else(|| seg.replace('_', " "))
}

/// The readable name of a sweep key path: a known key's name with its
/// unit, else the last segment in words with its parent in parentheses
/// (`tiers.county.foo_bar` -> "Foo bar (county)").
pub(crate) fn axis_label(path: &str) -> String {
    let segs: Vec<&str> = path.split('.').collect();
    for (pattern, name) in KNOWN {
        if pattern.len() != segs.len() {
            continue;
        }
        let mut out = name.to_string();
        let fits = pattern.iter().zip(&segs).all(|(p, s)| match *p {
            TIER if TIERS.contains(s) => {
                out = out.replace("{Tier}", &capital(s)).replace("{tier}", s);
                true
            }
            SEVERITY if SEVERITIES.contains(s) => {
                out = out.replace("{severity}", s);
                true
            }
            ROTATION => match (s.starts_with("rotation["), indexed(s)) {
                (true, Some(r)) => {
                    out = out.replace("{rotation}", &r);
                    true
                }
                _ => false,
            },
            p => p == *s,
        });
        if fits {
            return out;
        }
    }
    match segs[..] {
        [] => String::new(),
        [only] => capital(&words(only)),
        [.., parent, last] => format!("{} ({})", capital(&words(last)), words(parent)),
    }
}

#[cfg(test)]
mod tests {
    use super::axis_label;

    #[test]
    fn sweep_keys_get_readable_names_with_units() {
        assert_eq!(
            axis_label("policy.outpatient.rate.township"),
            "Township outpatient reimbursement rate (0-1)"
        );
        assert_eq!(
            axis_label("policy.inpatient.deductible.regional"),
            "Regional inpatient deductible (CNY)"
        );
        assert_eq!(axis_label("tiers.county.doctors"), "County doctors per facility");
        assert_eq!(
            axis_label("drugs.markup.county"),
            "County drug markup on cost (0.15 = 15%)"
        );
        assert_eq!(
            axis_label("tiers.village.outpatient_price.mild"),
            "Village outpatient price, mild (CNY)"
        );
        assert_eq!(
            axis_label("rotation[0].doctors_per_site"),
            "Rotating doctors per site (rotation 1)"
        );
        assert_eq!(
            axis_label("choice.max_travel_minutes"),
            "Longest travel considered (minutes)"
        );
        assert_eq!(axis_label("layout"), "Facility layout");
        // Unknown keys: the last segment in words, the parent in parentheses.
        assert_eq!(
            axis_label("tiers.county.night_shift_doctors"),
            "Night shift doctors (county)"
        );
        assert_eq!(axis_label("rotation[2].new_knob"), "New knob (rotation 3)");
        assert_eq!(axis_label("policy.outpatient.rate.hamlet"), "Hamlet (rate)");
        assert_eq!(axis_label("mystery_knob"), "Mystery knob");
    }
}
