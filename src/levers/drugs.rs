//! `[drugs]`: the drug part of each tier's prices, its markup, and the
//! zero-markup reform that sells drugs at cost at chosen tiers, with
//! optional government compensation of the markup forgone. Off unless the
//! section is given. README: "[drugs]"; `docs/model.md`: "Payment", "Zero
//! drug markup".
//!
//! # The price arithmetic
//! A tier's listed prices (`outpatient_price`, `bed_day_price`) are the
//! prices patients pay today, drugs with their markup. `share[tier]` is the
//! drug part of such a price and `markup[tier]` the markup on the drugs'
//! cost (0.15: the 15% markup China abolished), so a listed price P holds
//! drugs at cost share x P / (1 + markup). At a `zero_markup` tier the
//! drugs are sold at cost:
//!
//! ```text
//! markup part  k = share x markup / (1 + markup)
//! price'         = P x (1 - k)
//! forgone        = P - price' = P x k
//! ```
//!
//! The share is of the listed (marked-up) price because that is the figure
//! hospital accounts report ("drug revenue as a share of revenue"); a share
//! of the price at cost would be share / (1 + k) of it. The lowered price is
//! what the facility bills: fund, serious-illness insurance and patient
//! split it as any other price, and the choice weighs it. The government
//! pays the facility `compensation` x the markup forgone, outside the bill,
//! so the facility's revenue is price' + compensation.

use super::{Context, Lever};
use crate::scenario::Tier;
use crate::scenario::error::did_you_mean;
use crate::scenario::raw::{PerTier, TIER_NAMES};
use crate::scenario::validate::Checker;

raw_section! {
    /// `[drugs]`: drug shares and markups per tier, the zero-markup reform.
    pub struct RawDrugs {
        pub share: Option<PerTier<f64>>,
        pub markup: Option<PerTier<f64>>,
        pub zero_markup: Option<Vec<String>>,
        pub compensation: Option<f64>,
    }
}

/// The largest markup accepted (1,000% of the drugs' cost): anything
/// larger is surely a percentage typed as a number.
pub const MAX_MARKUP: f64 = 10.0;

/// Drug shares and markups of prices, and the zero-markup reform.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Drugs {
    /// Drug part of each tier's listed prices, in [0, 1].
    pub share: [f64; 4],
    /// Markup on the drugs' cost per tier, in [0, [`MAX_MARKUP`]].
    pub markup: [f64; 4],
    /// Tiers whose drugs are sold at cost.
    pub zero_markup: [bool; 4],
    /// Share of the markup forgone that the government pays the facility, in [0, 1].
    pub compensation: f64,
}

impl Drugs {
    /// The part of a listed price at `tier` that is drug markup:
    /// share x markup / (1 + markup).
    pub fn markup_part(&self, tier: Tier) -> f64 {
        let t = tier as usize;
        self.share[t] * self.markup[t] / (1.0 + self.markup[t])
    }

    /// What a listed price at `tier` is billed at: lowered by the markup
    /// part at a zero-markup tier, `listed` itself elsewhere.
    pub fn billed(&self, tier: Tier, listed: f64) -> f64 {
        if self.zero_markup[tier as usize] {
            listed * (1.0 - self.markup_part(tier))
        } else {
            listed
        }
    }

    /// The markup forgone per CNY billed at `tier`: k / (1 - k) at a
    /// zero-markup tier (billed x this = listed - billed), 0 elsewhere.
    /// `k` < 1 always: the share is at most 1 and markup / (1 + markup) < 1.
    pub fn forgone_per_billed(&self, tier: Tier) -> f64 {
        if self.zero_markup[tier as usize] {
            let k = self.markup_part(tier);
            k / (1.0 - k)
        } else {
            0.0
        }
    }
}

fn markup(c: &mut Checker, path: &str, v: Option<f64>, default: f64) -> f64 {
    c.number(
        path,
        v,
        default,
        |x| (0.0..=MAX_MARKUP).contains(&x),
        &format!("a markup on cost between 0 and {MAX_MARKUP} (0.15 is 15%)"),
    )
}

/// The zero-markup tiers: known tier names, each once, each with its
/// share and markup given (the reform at a tier whose drugs the section
/// does not describe would silently change nothing).
fn zero_markup(c: &mut Checker, raw: &RawDrugs) -> [bool; 4] {
    let mut out = [false; 4];
    let given = |p: &Option<PerTier<f64>>, t: usize| p.as_ref().is_some_and(|p| p.as_array()[t].is_some());
    for (i, name) in raw.zero_markup.iter().flatten().enumerate() {
        let path = format!("drugs.zero_markup[{i}]");
        let Some(t) = TIER_NAMES.iter().position(|n| n == name) else {
            let hint = did_you_mean(name, TIER_NAMES.iter().copied()).unwrap_or_default();
            c.push(
                path,
                format!("\"{name}\" is not a tier: expected village, township, county or regional{hint}"),
            );
            continue;
        };
        if out[t] {
            c.push(path.clone(), format!("\"{name}\" is listed twice"));
        }
        out[t] = true;
        for (key, table) in [("markup", &raw.markup), ("share", &raw.share)] {
            if !given(table, t) {
                c.push(
                    path.clone(),
                    format!("\"{name}\" has no drugs.{key}.{name}: give the tier's drug {key} to remove its markup"),
                );
            }
        }
    }
    out
}

impl Lever for Option<Drugs> {
    type Raw = Option<RawDrugs>;

    fn check(c: &mut Checker, raw: &Option<RawDrugs>, _: &Context) -> Option<Drugs> {
        raw.as_ref().map(|d| Drugs {
            share: c.per_tier("drugs.share", d.share.as_ref(), [0.0; 4], Checker::probability),
            markup: c.per_tier("drugs.markup", d.markup.as_ref(), [0.0; 4], markup),
            zero_markup: zero_markup(c, d),
            compensation: c.probability("drugs.compensation", d.compensation, 0.0),
        })
    }

    fn to_raw(&self) -> Option<RawDrugs> {
        self.map(|d| RawDrugs {
            share: Some(PerTier::full(d.share)),
            markup: Some(PerTier::full(d.markup)),
            zero_markup: Some(
                TIER_NAMES
                    .iter()
                    .zip(d.zero_markup)
                    .filter(|(_, on)| *on)
                    .map(|(n, _)| n.to_string())
                    .collect(),
            ),
            compensation: Some(d.compensation),
        })
    }
}

pub(crate) mod run {
    //! The zero-markup reform in the run (`docs/model.md`, "Zero drug
    //! markup"). The lowered prices are set once, where the world resolves
    //! facility prices ([`crate::world`]), so every bill and the choice's
    //! expected episode cost see them; here each bill's markup forgone and
    //! compensation are worked out for the ledger. No run state, no draws.

    use crate::engine::Sim;
    use crate::scenario::FacilityId;

    /// What the reform moved on one bill \[CNY\].
    #[derive(Clone, Copy, Debug, Default, PartialEq)]
    pub(crate) struct Markup {
        /// The listed price less the price billed.
        pub(crate) forgone: f64,
        /// Paid by the government to the facility.
        pub(crate) compensation: f64,
    }

    impl Sim<'_> {
        /// Hook in `payment::charge`: the markup forgone on a bill of
        /// `billed` at `f` and the government's compensation of it; zero
        /// without `[drugs]` or away from the zero-markup tiers.
        pub(crate) fn drug_markup(&self, f: FacilityId, billed: f64) -> Markup {
            let Some(d) = &self.scenario.drugs else {
                return Markup::default();
            };
            let forgone = billed * self.world.facilities[f].markup_forgone_per_billed;
            Markup {
                forgone,
                compensation: d.compensation * forgone,
            }
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;
        use crate::engine::stepping::quiet_world;
        use crate::world::World;

        /// One county hospital listing 300 per visit and 700 per bed-day,
        /// half of it drugs marked up 15%, sold at cost, 80% compensated.
        fn county(zero: &str) -> World {
            let rest = format!(
                "[[facility]]\nname = \"ch\"\ntier = \"county\"\nat_km = [0.0, 0.0]\n\
                 [drugs]\nshare = {{ county = 0.5 }}\nmarkup = {{ county = 0.15 }}\nzero_markup = [{zero}]\n\
                 compensation = 0.8\n"
            );
            quiet_world(1, 1, &rest)
        }

        /// Defect (#13): prices carried no drug markup to remove. At the
        /// zero-markup county the visit of 300 sells its 150 of drugs at
        /// 150 / 1.15, and the bed day of 700 its 350 at 350 / 1.15.
        #[test]
        fn a_zero_markup_tier_bills_its_drugs_at_cost() {
            let w = county("\"county\"");
            let info = &w.facilities[FacilityId(0)];
            let visit = 150.0 + 150.0 / 1.15;
            assert!((info.price[0] - visit).abs() < 1e-9, "{}", info.price[0]);
            assert!((info.bed_day_price - (350.0 + 350.0 / 1.15)).abs() < 1e-9);
            let sim = Sim::new(&w, 0);
            let m = sim.drug_markup(FacilityId(0), visit);
            assert!((m.forgone - (300.0 - visit)).abs() < 1e-9, "{m:?}");
            assert!((m.compensation - 0.8 * (300.0 - visit)).abs() < 1e-9, "{m:?}");
        }

        /// Defect (#13): the choice must weigh the price billed. A mild
        /// county visit, half reimbursed, costs the patient half the
        /// lowered price.
        #[test]
        fn the_choice_weighs_the_lowered_price() {
            use crate::levers::payment::run::Payment;
            use crate::scenario::{Scheme, Severity};
            let oop = |w: &World| {
                Payment::new(w, 1)
                    .episode(Scheme::Resident, FacilityId(0), Severity::Mild, false)
                    .oop(f64::INFINITY)
            };
            assert_eq!(oop(&county("")), 150.0);
            let lowered = 0.5 * (150.0 + 150.0 / 1.15);
            assert!((oop(&county("\"county\"")) - lowered).abs() < 1e-9);
        }

        /// The shares and markups alone change no price: only the reform does.
        #[test]
        fn without_the_reform_prices_are_the_listed_ones() {
            let w = county("");
            let info = &w.facilities[FacilityId(0)];
            assert_eq!(info.price, [300.0; 4]);
            assert_eq!(info.bed_day_price, 700.0);
            assert_eq!(Sim::new(&w, 0).drug_markup(FacilityId(0), 300.0), Markup::default());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;

    type D = Option<Drugs>;

    fn drugs(text: &str) -> Drugs {
        accepted::<D>(&raw(text)).expect("a section")
    }

    #[test]
    fn defaults() {
        assert_eq!(check::<D>(&None).0, None);
        let d = accepted::<D>(&Some(RawDrugs::default())).expect("a section");
        assert_eq!(d.share, [0.0; 4]);
        assert_eq!(d.markup, [0.0; 4]);
        assert_eq!(d.zero_markup, [false; 4]);
        assert_eq!(d.compensation, 0.0);
    }

    /// The arithmetic by hand: 40% drugs at a 15% markup hold
    /// 0.4 x 0.15 / 1.15 of the price as markup; removing it from 1,150
    /// leaves 1,150 - 60 = 1,090 and forgoes 60, which is 60 / 1,090 per
    /// CNY billed.
    #[test]
    fn the_markup_part_is_share_times_markup_over_one_plus_markup() {
        let d = drugs("share = { county = 0.4 }\nmarkup = { county = 0.15 }\nzero_markup = [\"county\"]");
        assert!((d.markup_part(Tier::County) - 0.4 * 0.15 / 1.15).abs() < 1e-15);
        assert!((d.billed(Tier::County, 1150.0) - 1090.0).abs() < 1e-9);
        let billed = d.billed(Tier::County, 1150.0);
        assert!((billed * d.forgone_per_billed(Tier::County) - 60.0).abs() < 1e-9);
        // Other tiers keep their prices and forgo nothing.
        assert_eq!(d.billed(Tier::Township, 85.0), 85.0);
        assert_eq!(d.forgone_per_billed(Tier::Township), 0.0);
    }

    /// All drugs at the largest markup: still a price above 0.
    #[test]
    fn the_billed_price_stays_positive() {
        let d = drugs("share = { village = 1.0 }\nmarkup = { village = 10 }\nzero_markup = [\"village\"]");
        assert!((d.billed(Tier::Village, 110.0) - 10.0).abs() < 1e-9);
        assert!(d.forgone_per_billed(Tier::Village).is_finite());
    }

    #[test]
    fn bad_settings_are_named_by_their_key() {
        let p = refused::<D>(&raw("share = { county = 1.2 }"), "drugs.share.county");
        assert!(p.message.contains("between 0 and 1"), "{p:?}");
        let p = refused::<D>(&raw("markup = { township = 15 }"), "drugs.markup.township");
        assert!(p.message.contains("0.15 is 15%"), "{p:?}");
        refused::<D>(&raw("markup = { township = -0.1 }"), "drugs.markup.township");
        refused::<D>(&raw("compensation = 1.5"), "drugs.compensation");
        let p = refused::<D>(
            &raw("share = { county = 0.4 }\nmarkup = { county = 0.15 }\nzero_markup = [\"countyy\"]"),
            "drugs.zero_markup[0]",
        );
        assert!(
            p.message.contains("not a tier") && p.message.contains("county"),
            "{p:?}"
        );
        let p = refused::<D>(
            &raw("share = { county = 0.4 }\nzero_markup = [\"county\"]"),
            "drugs.zero_markup[0]",
        );
        assert!(p.message.contains("drugs.markup.county"), "{p:?}");
        let p = refused::<D>(
            &raw("markup = { county = 0.15 }\nzero_markup = [\"county\"]"),
            "drugs.zero_markup[0]",
        );
        assert!(p.message.contains("drugs.share.county"), "{p:?}");
        let p = refused::<D>(
            &raw("share = { county = 0.4 }\nmarkup = { county = 0.15 }\nzero_markup = [\"county\", \"county\"]"),
            "drugs.zero_markup[1]",
        );
        assert!(p.message.contains("twice"), "{p:?}");
    }

    /// The resolved scenario (`scenario.toml` of a run) keeps the section.
    #[test]
    fn the_resolved_scenario_keeps_the_reform() {
        let text = format!(
            "{BASE}[drugs]\nshare = {{ county = 0.4, township = 0.5 }}\nmarkup = {{ county = 0.15, township = 0.15 }}\n\
             zero_markup = [\"township\", \"county\"]\ncompensation = 0.6\n"
        );
        let first = scenario(&text).expect("valid");
        let resolved = crate::scenario::resolved::to_toml(&first);
        let second = scenario(&resolved).expect("the resolved scenario is valid");
        assert_eq!(first.drugs, second.drugs);
        let d = second.drugs.expect("kept");
        assert_eq!(d.zero_markup, [false, true, true, false]);
        assert_eq!(d.compensation, 0.6);
    }

    #[test]
    fn round_trip() {
        round_trips::<D>(&None);
        round_trips::<D>(&Some(RawDrugs::default()));
        round_trips::<D>(&raw(
            "share = { county = 0.4 }\nmarkup = { county = 0.15, regional = 0.2 }\nzero_markup = [\"county\"]\ncompensation = 1",
        ));
    }
}
