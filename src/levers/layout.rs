//! `layout` and `[layouts.<name>]`: named alternative sets of regional
//! facilities, one of them selected. Not a [`super::Lever`]: the
//! selection decides which facilities exist, so validation calls
//! [`check`] and [`split`] while it builds the facilities, before any
//! lever can name one. README: "layout and [layouts.\<name\>]";
//! `docs/model.md`: "Regional center layouts".

use std::collections::{BTreeMap, HashMap, HashSet};

use crate::scenario::error::did_you_mean;
use crate::scenario::raw::{RawFacility, RawScenario};
use crate::scenario::validate::Checker;
use crate::scenario::{Facility, Scenario, Tier};

raw_section! {
    /// `[layouts.<name>]`
    pub struct RawLayout {
        pub facilities: Option<Vec<String>>,
    }
}

/// Layouts by name, each the regional facilities it keeps.
pub type Layouts = BTreeMap<String, Vec<String>>;

/// The layouts and the selected one (`None` when none is, or the
/// selection names no layout).
pub(crate) fn check(c: &mut Checker, raw: &RawScenario) -> (Layouts, Option<String>) {
    let layouts: Layouts = raw
        .layouts
        .iter()
        .flatten()
        .map(|(k, v)| (k.clone(), v.facilities.clone().unwrap_or_default()))
        .collect();
    check_members(c, &layouts, &raw.facility);
    let layout = selected(c, &layouts, raw.layout.as_ref());
    (layouts, layout)
}

/// Every layout names regional `[[facility]]` entries.
fn check_members(c: &mut Checker, layouts: &Layouts, facilities: &[RawFacility]) {
    let known: HashMap<&str, Tier> = facilities
        .iter()
        .filter_map(|f| Some((f.name.as_deref()?, f.tier?.tier())))
        .collect();
    for (name, list) in layouts {
        for (i, f) in list.iter().enumerate() {
            match known.get(f.as_str()) {
                Some(Tier::Regional) => {}
                Some(t) => c.push(
                    format!("layouts.{name}.facilities[{i}]"),
                    format!(
                        "\"{f}\" is a {} facility: layouts choose among regional facilities",
                        t.name()
                    ),
                ),
                None => {
                    let hint = did_you_mean(f, known.keys().copied()).unwrap_or_default();
                    c.push(
                        format!("layouts.{name}.facilities[{i}]"),
                        format!("\"{f}\" is not a [[facility]] of this scenario{hint}"),
                    );
                }
            }
        }
    }
}

/// `layout`: one of the layouts, required once any is defined.
fn selected(c: &mut Checker, layouts: &Layouts, layout: Option<&String>) -> Option<String> {
    let defined = || layouts.keys().map(String::as_str).collect::<Vec<&str>>().join(", ");
    match layout {
        Some(l) if layouts.contains_key(l) => Some(l.clone()),
        Some(l) => {
            let hint = did_you_mean(l, layouts.keys().map(String::as_str)).unwrap_or_default();
            c.push(
                "layout",
                format!(
                    "\"{l}\" is not a layout of this scenario{hint}; defined: [{}]",
                    defined()
                ),
            );
            None
        }
        None if !layouts.is_empty() => {
            c.push("layout", format!("missing: choose one of [{}]", defined()));
            None
        }
        None => None,
    }
}

/// Splits facilities into those the selected layout keeps and those it
/// leaves out: regional facilities named in some layout take part only if
/// named in the selected one. Without a (valid) selection nothing is left
/// out, so a mistyped layout name gives one error, not a cascade.
pub(crate) fn split(all: Vec<Facility>, layouts: &Layouts, layout: Option<&str>) -> (Vec<Facility>, Vec<Facility>) {
    let Some(selected) = layout.and_then(|l| layouts.get(l)) else {
        return (all, Vec::new());
    };
    let in_some: HashSet<&str> = layouts.values().flatten().map(String::as_str).collect();
    let selected: HashSet<&str> = selected.iter().map(String::as_str).collect();
    all.into_iter()
        .partition(|f| !in_some.contains(f.name.as_str()) || selected.contains(f.name.as_str()))
}

/// `layout` and `[layouts.*]` of the resolved scenario.
pub(crate) fn to_raw(s: &Scenario, raw: &mut RawScenario) {
    raw.layout = s.layout.clone();
    raw.layouts = (!s.layouts.is_empty()).then(|| {
        s.layouts
            .iter()
            .map(|(k, v)| {
                (
                    k.clone(),
                    RawLayout {
                        facilities: Some(v.clone()),
                    },
                )
            })
            .collect()
    });
}

#[cfg(test)]
mod tests {
    use super::super::testing::{BASE, only_path, scenario};
    use super::*;

    const REGIONALS: &str = r#"
[[facility]]
name = "R1"
tier = "regional"
at_km = [5.0, 0.0]
[[facility]]
name = "R2"
tier = "regional"
at_km = [-5.0, 0.0]
[layouts.east]
facilities = ["R1"]
[layouts.west]
facilities = ["R2"]
"#;

    #[test]
    fn no_layouts_by_default() {
        let s = scenario(BASE).unwrap();
        assert!(s.layouts.is_empty() && s.layout.is_none() && s.inactive_facilities.is_empty());
    }

    #[test]
    fn the_selected_layout_keeps_its_facilities() {
        let s = scenario(&format!("layout = \"east\"\n{BASE}{REGIONALS}")).unwrap();
        assert_eq!(s.facilities.iter().filter(|f| f.tier == Tier::Regional).count(), 1);
        assert_eq!(s.inactive_facilities[0].name, "R2");
    }

    #[test]
    fn unknown_values_are_named_by_their_key() {
        let problems = scenario(&format!("layout = \"eats\"\n{BASE}{REGIONALS}")).unwrap_err();
        assert_eq!(only_path(&problems), "layout");
        assert!(problems[0].message.contains("did you mean"), "{problems:?}");
        let problems = scenario(&format!("layout = \"x\"\n{BASE}[layouts.x]\nfacilities = [\"T\"]\n")).unwrap_err();
        assert_eq!(only_path(&problems), "layouts.x.facilities[0]");
    }

    #[test]
    fn round_trip() {
        let s = scenario(&format!("layout = \"west\"\n{BASE}{REGIONALS}")).unwrap();
        let mut raw = RawScenario::default();
        to_raw(&s, &mut raw);
        let mut c = Checker::default();
        raw.facility = crate::scenario::resolved::to_raw(&s).facility;
        assert_eq!(check(&mut c, &raw), (s.layouts.clone(), s.layout.clone()));
        assert!(c.problems.is_empty());
    }
}
