//! Warnings about a valid scenario that will not do what its author meant:
//! a facility nobody can reach, a tier out of reach of most residents, a
//! presentation window when everything is closed, gatekeeping with nobody
//! contracted, a travel limit that reads like hours.
//!
//! They never stop a run (`check --deny-warnings` makes them errors): each
//! could be intended, but each has cost a user a run that looked fine.

use crate::scenario::{Hours, Problem, Tier};
use crate::world::World;

/// Below this, `choice.max_travel_minutes` is probably hours typed as minutes.
const SHORTEST_PLAUSIBLE_TRAVEL_MINUTES: f64 = 15.0;

/// A tier with facilities that fewer than this share of residents have in
/// reach is worth a word.
const TIER_REACH_WARNING: f64 = 0.5;

/// Every warning for `world`, in a stable order.
pub fn warnings(world: &World) -> Vec<Problem> {
    let mut out = Vec::new();
    travel_limit(world, &mut out);
    unreachable_facilities(world, &mut out);
    tier_reach(world, &mut out);
    presentation_window(world, &mut out);
    gatekeeping(world, &mut out);
    out
}

fn travel_limit(world: &World, out: &mut Vec<Problem>) {
    let limit = world.scenario.choice.max_travel_minutes;
    if limit < SHORTEST_PLAUSIBLE_TRAVEL_MINUTES {
        out.push(Problem::new(
            "choice.max_travel_minutes",
            format!(
                "{limit}: the limit is in minutes, so residents only consider facilities within {limit} minutes (did you mean {} for {limit} hours?)",
                limit * 60.0
            ),
        ));
    }
}

fn unreachable_facilities(world: &World, out: &mut Vec<Problem>) {
    let mut reached = vec![false; world.facilities.len()];
    for s in &world.settlements {
        for o in &s.options {
            reached[o.facility.0 as usize] = true;
        }
    }
    let s = &world.scenario;
    for (i, f) in s.facilities.iter().enumerate().filter(|(i, _)| !reached[*i]) {
        let nearest = world
            .settlements
            .iter()
            .map(|x| s.travel.minutes(x.at_km, f.at_km))
            .fold(f64::INFINITY, f64::min);
        out.push(Problem::new(
            format!("facility \"{}\"", f.name),
            format!(
                "no settlement has it within choice.max_travel_minutes ({} min; the nearest is {nearest:.0} min away): no resident chooses it, and it sees only patients referred to it; raise choice.max_travel_minutes or check its at_km (index {i} of the resolved facilities)",
                s.choice.max_travel_minutes
            ),
        ));
    }
}

fn tier_reach(world: &World, out: &mut Vec<Problem>) {
    let s = &world.scenario;
    let population: f64 = world.settlements.iter().map(|x| f64::from(x.population)).sum();
    if population == 0.0 {
        return;
    }
    for tier in Tier::ALL {
        if !world.facilities.iter().any(|f| f.tier == tier) {
            continue;
        }
        let reached: f64 = world
            .settlements
            .iter()
            .filter(|x| {
                x.options
                    .iter()
                    .any(|o| world.facilities[o.facility.0 as usize].tier == tier)
            })
            .map(|x| f64::from(x.population))
            .sum();
        let share = reached / population;
        if share < TIER_REACH_WARNING {
            out.push(Problem::new(
                "choice.max_travel_minutes",
                format!(
                    "only {:.0}% of residents have a {} facility within {} min: the rest can reach that tier only by referral",
                    100.0 * share,
                    tier.name(),
                    s.choice.max_travel_minutes
                ),
            ));
        }
    }
}

fn overlaps(a: Hours, b: Hours) -> bool {
    a.open_minute < b.close_minute && b.open_minute < a.close_minute
}

fn presentation_window(world: &World, out: &mut Vec<Problem>) {
    let window = world.scenario.demand.presentation;
    if !world.scenario.facilities.iter().any(|f| overlaps(f.hours, window)) {
        out.push(Problem::new(
            "demand.presentation",
            format!(
                "{}: no facility is open at any time in this window, so every patient waits for an opening",
                hours_text(window)
            ),
        ));
    }
}

fn hours_text(h: Hours) -> String {
    let hm = |m: f64| format!("{:02}:{:02}", (m / 60.0) as u32, (m % 60.0) as u32);
    format!("{}-{}", hm(h.open_minute), hm(h.close_minute))
}

fn gatekeeping(world: &World, out: &mut Vec<Problem>) {
    let s = &world.scenario;
    if !s.policy.gatekeeping {
        return;
    }
    // Gatekeeping sends a contracted resident to a member of their team, any tier.
    let team = |x: &crate::world::SettlementInfo| x.options.iter().any(|o| o.contract);
    let anyone = s.contract.share > 0.0 && world.settlements.iter().any(team);
    if !anyone {
        out.push(Problem::new(
            "policy.gatekeeping",
            "true, but no resident holds a contract (contract.share is 0 or contract.with names no facility of this scenario): gatekeeping changes nothing".to_string(),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::Scenario;

    fn world(edit: impl Fn(String) -> String) -> World {
        let text = edit(std::fs::read_to_string("tests/it/sweeps/tiny_base.toml").unwrap());
        World::new(&Scenario::from_toml(&text, "test").unwrap())
    }

    fn paths(w: &World) -> Vec<String> {
        warnings(w).into_iter().map(|p| p.path).collect()
    }

    fn with(extra: &'static str) -> impl Fn(String) -> String {
        move |t| t + extra
    }

    #[test]
    fn a_sensible_scenario_has_no_warnings() {
        assert_eq!(paths(&world(|t| t)), Vec::<String>::new());
    }

    #[test]
    fn a_facility_beyond_the_travel_limit_is_named() {
        let far = world(with(
            "\n[[facility]]\nname = \"far rmc\"\ntier = \"regional\"\nregion = \"city\"\nat_km = [400.0, 0.0]\ndoctors = 2\n",
        ));
        let w = warnings(&far);
        let hit = w.iter().find(|p| p.path == "facility \"far rmc\"").expect("warned");
        assert!(hit.message.contains("the nearest is"), "{}", hit.message);
    }

    #[test]
    fn a_travel_limit_in_hours_is_questioned_and_tiers_out_of_reach_are_counted() {
        let w = warnings(&world(with("\n[choice]\nmax_travel_minutes = 3\n")));
        assert!(w.iter().any(|p| p.message.contains("did you mean 180")), "{w:?}");
        assert!(
            w.iter()
                .any(|p| p.message.contains("of residents have a regional facility")),
            "{w:?}"
        );
    }

    #[test]
    fn a_presentation_window_when_all_is_closed_is_questioned() {
        let night = |t: String| t.replace("[demand]\n", "[demand]\npresentation_hours = \"22:00-23:00\"\n");
        let mornings = |t: String| {
            t.replace("[tiers.county]\n", "[tiers.county]\nhours = \"08:00-12:00\"\n")
                + "\n[tiers.village]\nhours = \"08:00-12:00\"\n[tiers.township]\nhours = \"08:00-12:00\"\n[tiers.regional]\nhours = \"08:00-12:00\"\n"
        };
        let all_closed = world(|t| mornings(night(t)));
        assert!(
            paths(&all_closed).contains(&"demand.presentation".to_string()),
            "{:?}",
            paths(&all_closed)
        );
        // A hospital open around the clock: patients find care, no warning.
        let open_at_night = world(|t| night(t).replace("[tiers.county]\n", "[tiers.county]\nhours = \"24h\"\n"));
        assert!(!paths(&open_at_night).contains(&"demand.presentation".to_string()));
    }

    #[test]
    fn gatekeeping_with_nobody_contracted_is_questioned() {
        let gate = world(with("\n[policy]\ngatekeeping = true\n"));
        assert!(paths(&gate).contains(&"policy.gatekeeping".to_string()));
    }
}
