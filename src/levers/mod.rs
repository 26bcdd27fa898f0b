//! Policy levers, one file each: everything the scenario side knows about
//! a lever lives in its file.
//!
//! The levers are the reform instruments of the README's "Policy levers"
//! section; `docs/model.md` describes the processes behind each of them
//! (Payment with serious-illness insurance and zero drug markup, Telemedicine, Admission, Admission deposits, Follow-ups and down-referral, Doctor
//! rotation, Regional center layouts, Global budgets, Volume quotas).
//!
//! # What a lever file holds
//! - its raw TOML struct(s): the serde mirror of its section, every key
//!   optional, `deny_unknown_fields`, no `flatten` (re-exported from
//!   [`crate::scenario::raw`]);
//! - its checked type(s), documented, with the defaults filled in
//!   (re-exported from [`crate::scenario`], so `crate::scenario::Policy`
//!   and the like keep working);
//! - an `impl` [`Lever`] for the type the [`Scenario`](crate::scenario::Scenario)
//!   field holds: `check` (raw section -> checked value, every problem pushed
//!   to the [`Checker`] under its key path, defaults here and only here) and
//!   `to_raw` (checked value -> raw section with every default written out,
//!   for the resolved scenario);
//! - unit tests of its check: the defaults, an out-of-range value named by
//!   its key, and the `to_raw` round trip.
//!
//! # Adding a lever
//! 1. Write `src/levers/<lever>.rs` as above and declare it below (`pub mod`).
//! 2. Add its section as a field of
//!    [`RawScenario`](crate::scenario::raw::RawScenario) (`src/scenario/raw.rs`).
//! 3. Add one line `raw_key => field: Type,` to the `levers { .. }` block of
//!    the `Scenario` declaration in `src/scenario/mod.rs`. The
//!    [`scenario_with_levers!`] macro declares the field and calls
//!    `check` and `to_raw` for it: validation and the resolved scenario
//!    need no lines of their own.
//!
//! Then document its keys in the README's "Policy levers" section and its
//! process in `docs/model.md`.
//!
//! # A lever in the run
//! What a lever does inside the event loop sits in the same file, in a
//! `pub(crate) mod run`: an `impl Sim<'_>` block of hooks, the lever's run
//! state (if it keeps any) and the tests that step a small world through
//! it (`crate::engine::stepping`). The engine calls hooks by name at the
//! fixed points listed in [`crate::engine`]'s "Hook order" (static
//! dispatch, so a run stays deterministic). A lever that acts in the run
//! adds, besides its file: the call at the hook point in the core handler
//! it changes (`src/engine/mod.rs`), and, if it keeps run state, one field
//! of `Sim` with its `new` beside the others. A new metric it reports is
//! one entry in `src/metrics/catalogue.rs` plus the line that records it.
//!
//! [`layout`] is not a [`Lever`]: which regional facilities exist decides
//! what every other lever can name, so validation calls it while it builds
//! the facilities.

pub mod budget;
pub mod catastrophic;
pub mod contract;
pub mod deposit;
pub mod drugs;
pub mod emergency;
pub mod inpatient;
pub mod layout;
pub mod outcome;
pub mod patience;
pub mod payment;
pub mod population;
pub mod quota;
pub mod referral;
pub mod reserved;
pub mod rotation;
pub mod serious_illness;
pub mod telemedicine;

use std::collections::HashMap;

use crate::scenario::error::did_you_mean;
use crate::scenario::raw::TIER_NAMES;
use crate::scenario::validate::Checker;
use crate::scenario::{Facility, FacilityId, Tier};

/// A policy lever: the value a [`Scenario`](crate::scenario::Scenario)
/// field holds, checked from and written back to its raw section.
pub(crate) trait Lever: Sized {
    /// The field of [`RawScenario`] it is read from.
    type Raw;
    /// The checked value with defaults filled in; problems go to `c`.
    fn check(c: &mut Checker, raw: &Self::Raw, ctx: &Context) -> Self;
    /// The raw section with every default written out.
    fn to_raw(&self) -> Self::Raw;
}

/// What a lever's check may look at besides its own section: the
/// facilities of the selected layout and the names that refer to them.
pub(crate) struct Context<'a> {
    /// The active facilities.
    pub(crate) facilities: &'a [Facility],
    /// Names a `with`, `sites`, `from` or `to` entry can give.
    pub(crate) names: FacilityNames,
}

impl<'a> Context<'a> {
    /// The context of the `active` facilities, `inactive` ones left out by the layout.
    pub(crate) fn new(active: &'a [Facility], inactive: &[Facility]) -> Context<'a> {
        Context {
            facilities: active,
            names: FacilityNames::new(active, inactive),
        }
    }
}

/// Declares `Scenario`: its own fields as written, then one line per lever
/// (`raw_key => field: Type,` with its doc comment). Besides the struct it
/// generates `ScenarioCore` (the fields without the levers),
/// `ScenarioCore::with_levers` (checks every lever from its raw key, in the
/// order listed, against the core's facilities) and `Scenario::levers_to_raw` (writes every lever back).
macro_rules! scenario_with_levers {
    (
        $(#[$meta:meta])*
        pub struct Scenario { $($(#[$fmeta:meta])* pub $field:ident: $ftype:ty,)* }
        levers { $($(#[$lmeta:meta])* $raw:ident => $lever:ident: $ltype:ty,)* }
    ) => {
        $(#[$meta])*
        pub struct Scenario {
            $($(#[$fmeta])* pub $field: $ftype,)*
            $($(#[$lmeta])* pub $lever: $ltype,)*
        }

        /// A scenario's fields other than its levers.
        pub(crate) struct ScenarioCore {
            $(pub(crate) $field: $ftype,)*
        }

        impl ScenarioCore {
            /// The scenario, every lever checked from its section of `raw`
            /// (in the order listed) against these facilities.
            pub(crate) fn with_levers(
                self,
                c: &mut $crate::scenario::validate::Checker,
                raw: &$crate::scenario::raw::RawScenario,
            ) -> Scenario {
                let ctx = $crate::levers::Context::new(&self.facilities, &self.inactive_facilities);
                $(let $lever = <$ltype as $crate::levers::Lever>::check(c, &raw.$raw, &ctx);)*
                Scenario {
                    $($field: self.$field,)*
                    $($lever,)*
                }
            }
        }

        impl Scenario {
            /// Writes every lever back to its section of `raw`.
            pub(crate) fn levers_to_raw(&self, raw: &mut $crate::scenario::raw::RawScenario) {
                $(raw.$raw = $crate::levers::Lever::to_raw(&self.$lever);)*
            }
        }
    };
}
pub(crate) use scenario_with_levers;

/// What a name in `with`, `sites`, `from` or `to` can refer to.
pub(crate) struct FacilityNames {
    active: HashMap<String, FacilityId>,
    inactive: Vec<String>,
}

/// A name looked up in [`FacilityNames`].
pub(crate) enum Named {
    /// Every facility of a tier.
    Tier(Tier),
    /// A facility of the selected layout.
    Active(FacilityId),
    /// A facility the selected layout leaves out: ignored, not an error,
    /// so sweeps over layouts can share one file.
    Inactive,
}

impl FacilityNames {
    /// Names of the `active` facilities and of those the layout leaves out.
    pub(crate) fn new(active: &[Facility], inactive: &[Facility]) -> FacilityNames {
        FacilityNames {
            active: active
                .iter()
                .enumerate()
                .map(|(i, f)| (f.name.clone(), FacilityId(i as u32)))
                .collect(),
            inactive: inactive.iter().map(|f| f.name.clone()).collect(),
        }
    }

    /// What `name` refers to, if anything.
    pub(crate) fn lookup(&self, name: &str) -> Option<Named> {
        if let Some(i) = TIER_NAMES.iter().position(|t| *t == name) {
            return Some(Named::Tier(Tier::ALL[i]));
        }
        if let Some(&id) = self.active.get(name) {
            return Some(Named::Active(id));
        }
        self.inactive.iter().any(|n| n == name).then_some(Named::Inactive)
    }

    /// The message for a name that refers to nothing.
    pub(crate) fn unknown(&self, name: &str) -> String {
        let candidates = TIER_NAMES
            .iter()
            .copied()
            .chain(self.active.keys().map(String::as_str))
            .chain(self.inactive.iter().map(String::as_str));
        let hint = did_you_mean(name, candidates).unwrap_or_default();
        format!(
            "\"{name}\" is neither a tier (village, township, county, regional) nor a facility of this scenario{hint}"
        )
    }
}

/// The facilities of tier `t`, in index order.
pub(crate) fn of_tier(facilities: &[Facility], t: Tier) -> impl Iterator<Item = FacilityId> + '_ {
    facilities
        .iter()
        .enumerate()
        .filter(move |(_, f)| f.tier == t)
        .map(|(j, _)| FacilityId(j as u32))
}

/// Test helpers shared by the lever files.
#[cfg(test)]
pub(crate) mod testing {
    use super::*;
    use crate::scenario::Problem;

    /// Checks `raw` with no facilities; returns the value and the problems.
    pub(crate) fn check<L: Lever>(raw: &L::Raw) -> (L, Vec<Problem>) {
        let ctx = Context::new(&[], &[]);
        let mut c = Checker::default();
        let value = L::check(&mut c, raw, &ctx);
        (value, c.problems)
    }

    /// `raw` checked, asserting it has no problems.
    pub(crate) fn accepted<L: Lever>(raw: &L::Raw) -> L {
        let (value, problems) = check::<L>(raw);
        assert!(problems.is_empty(), "{problems:?}");
        value
    }

    /// The value an absent section checks to, asserting it has no problems.
    pub(crate) fn checked_default<L: Lever>() -> L
    where
        L::Raw: Default,
    {
        accepted::<L>(&L::Raw::default())
    }

    /// The scenario text checked, or its problems.
    pub(crate) fn scenario(text: &str) -> Result<crate::scenario::Scenario, Vec<Problem>> {
        match crate::scenario::Scenario::from_toml(text, "t") {
            Ok(s) => Ok(s),
            Err(crate::scenario::ScenarioError::Invalid { problems, .. }) => Err(problems),
            Err(e) => panic!("{e}"),
        }
    }

    /// A lever's section from its TOML text.
    pub(crate) fn raw<T: serde::de::DeserializeOwned>(text: &str) -> Option<T> {
        Some(toml::from_str(text).expect("a valid section"))
    }

    /// A minimal valid scenario to append lever sections to.
    pub(crate) const BASE: &str = r#"
[[region]]
name = "r"
[[region.settlement]]
at_km = [0.0, 0.0]
population = 10
[[facility]]
name = "T"
tier = "township"
at_km = [0.0, 0.0]
capability = "critical"
[[facility]]
name = "C"
tier = "county"
at_km = [1.0, 0.0]
capability = "critical"
"#;

    /// `raw` checked, written back and checked again gives the same value.
    pub(crate) fn round_trips<L: Lever + PartialEq + std::fmt::Debug>(raw: &L::Raw) {
        let (first, problems) = check::<L>(raw);
        assert!(problems.is_empty(), "{problems:?}");
        let (second, problems) = check::<L>(&first.to_raw());
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(first, second);
    }

    /// The one problem checking `raw` gives, asserting it is at `path`.
    pub(crate) fn refused<L: Lever>(raw: &L::Raw, path: &str) -> Problem {
        let (_, problems) = check::<L>(raw);
        assert_eq!(only_path(&problems), path);
        problems.into_iter().next().expect("one problem")
    }

    /// The one problem's path, asserting there is exactly one.
    pub(crate) fn only_path(problems: &[Problem]) -> &str {
        assert_eq!(problems.len(), 1, "{problems:?}");
        &problems[0].path
    }
}

#[cfg(test)]
mod tests {
    /// The engine's run state is `pub(crate)` only so that lever hooks in
    /// this folder can reach it: no other module may name `Sim`.
    #[test]
    fn only_the_engine_and_the_levers_touch_the_run_state() {
        let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut offenders = Vec::new();
        let mut stack = vec![src.clone()];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).expect("src readable") {
                let path = entry.expect("entry").path();
                let rel = path
                    .strip_prefix(&src)
                    .expect("under src")
                    .to_string_lossy()
                    .replace('\\', "/");
                if path.is_dir() {
                    if rel != "engine" && rel != "levers" {
                        stack.push(path);
                    }
                } else if path.extension().is_some_and(|e| e == "rs") {
                    let text = std::fs::read_to_string(&path).expect("source readable");
                    if text.contains("engine::Sim") || text.contains("impl Sim") {
                        offenders.push(rel);
                    }
                }
            }
        }
        assert!(offenders.is_empty(), "outside src/engine and src/levers: {offenders:?}");
    }
}
