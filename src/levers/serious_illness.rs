//! `[serious_illness]`: serious-illness insurance, a second payer that
//! reimburses a resident's yearly out-of-pocket spending above a
//! threshold, by bands of marginal rates, up to a yearly cap. Off unless
//! the section is given. README: "[serious_illness]"; `docs/model.md`:
//! "Payment".
//!
//! # The reimbursement
//! Let `x` be a resident's out-of-pocket spending so far this year: the
//! patient's parts of their bills after the fund (before this payer).
//! Band `i` covers yearly out-of-pocket from its `above` up to the next
//! band's `above` (the last band has no upper edge) and reimburses `rate`
//! of every CNY of `x` inside it; spending below `threshold` is never
//! reimbursed, and the bands start at or above it (between `threshold`
//! and the first band the rate is 0). The yearly reimbursement is
//!
//! `R(x) = min(cap, sum_i rate_i * |[max(above_i, threshold), above_{i+1}) ∩ [0, x)|)`.
//!
//! A bill that raises `x` from `a` to `b` is paid `R(b) - R(a)` by this
//! payer, so what a resident gets back in a year does not depend on how
//! the spending was split into bills.

use super::{Context, Lever};
use crate::scenario::validate::Checker;

raw_section! {
    /// `[serious_illness]`: serious-illness insurance.
    pub struct RawSeriousIllness {
        pub threshold: Option<f64>,
        pub bands: Option<Vec<RawBand>>,
        pub cap: Option<f64>,
    }
}

raw_section! {
    /// One entry of `[serious_illness] bands`.
    pub struct RawBand {
        pub above: Option<f64>,
        pub rate: Option<f64>,
    }
}

/// Serious-illness insurance (see the module notes for the arithmetic).
#[derive(Clone, Debug, PartialEq)]
pub struct SeriousIllness {
    /// Yearly out-of-pocket below this is not reimbursed \[CNY\].
    pub threshold: f64,
    /// Marginal rates by band of yearly out-of-pocket, lower edges strictly
    /// increasing, each at or above `threshold`.
    pub bands: Vec<Band>,
    /// The most this payer reimburses a resident in a year \[CNY\].
    pub cap: f64,
}

/// A band of yearly out-of-pocket reimbursed at one rate.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Band {
    /// Its lower edge, in yearly out-of-pocket \[CNY\].
    pub above: f64,
    /// The share of out-of-pocket inside the band that is reimbursed, in [0, 1].
    pub rate: f64,
}

/// Defaults: a threshold near a year's rural disposable income, rates
/// rising with spending (the national guideline asks for at least half).
const THRESHOLD: f64 = 10_000.0;
const BANDS: [Band; 3] = [
    Band {
        above: 10_000.0,
        rate: 0.5,
    },
    Band {
        above: 50_000.0,
        rate: 0.6,
    },
    Band {
        above: 100_000.0,
        rate: 0.7,
    },
];
const CAP: f64 = 300_000.0;

impl SeriousIllness {
    /// What the payer reimburses over a year in which the resident's
    /// out-of-pocket reached `oop_year` \[CNY\] (`R` of the module notes).
    pub fn reimbursement(&self, oop_year: f64) -> f64 {
        let mut total = 0.0;
        for (i, band) in self.bands.iter().enumerate() {
            let lo = band.above.max(self.threshold);
            let hi = self.bands.get(i + 1).map_or(f64::INFINITY, |b| b.above);
            total += band.rate * (oop_year.min(hi) - lo).max(0.0);
        }
        total.min(self.cap)
    }

    /// What the payer pays for a bill that raises the resident's yearly
    /// out-of-pocket from `before` by `patient_part` \[CNY\].
    pub fn pays(&self, before: f64, patient_part: f64) -> f64 {
        let paid = self.reimbursement(before + patient_part) - self.reimbursement(before);
        // Never more than the bill's part, whatever the rounding.
        paid.clamp(0.0, patient_part.max(0.0))
    }
}

/// The bands checked: rates in [0, 1], edges at or above the threshold and
/// strictly increasing.
fn check_bands(c: &mut Checker, raw: Option<&Vec<RawBand>>, threshold: f64) -> Vec<Band> {
    let Some(raw) = raw else {
        return BANDS.to_vec();
    };
    if raw.is_empty() {
        c.push(
            "serious_illness.bands",
            "an empty list: expected at least one band { above = CNY, rate = 0..1 }",
        );
    }
    let mut bands: Vec<Band> = Vec::with_capacity(raw.len());
    for (i, b) in raw.iter().enumerate() {
        let path = format!("serious_illness.bands[{i}]");
        let above = match b.above {
            None => {
                c.push(
                    format!("{path}.above"),
                    "missing: every band needs its lower edge `above` [CNY]",
                );
                threshold
            }
            Some(_) => c.non_negative(&format!("{path}.above"), b.above, threshold),
        };
        let rate = match b.rate {
            None => {
                c.push(format!("{path}.rate"), "missing: every band needs its `rate` in [0, 1]");
                0.0
            }
            Some(_) => c.probability(&format!("{path}.rate"), b.rate, 0.0),
        };
        if above < threshold {
            c.push(
                format!("{path}.above"),
                format!("{above}: a band starts at or above the threshold ({threshold})"),
            );
        }
        if let Some(prev) = bands.last()
            && above <= prev.above
        {
            c.push(
                format!("{path}.above"),
                format!(
                    "{above}: bands must be in increasing order of `above` without overlap (band {} starts at {})",
                    i - 1,
                    prev.above
                ),
            );
        }
        bands.push(Band { above, rate });
    }
    bands
}

impl Lever for Option<SeriousIllness> {
    type Raw = Option<RawSeriousIllness>;

    fn check(c: &mut Checker, raw: &Option<RawSeriousIllness>, _: &Context) -> Option<SeriousIllness> {
        raw.as_ref().map(|s| {
            let threshold = c.non_negative("serious_illness.threshold", s.threshold, THRESHOLD);
            SeriousIllness {
                threshold,
                bands: check_bands(c, s.bands.as_ref(), threshold),
                cap: c.non_negative("serious_illness.cap", s.cap, CAP),
            }
        })
    }

    fn to_raw(&self) -> Option<RawSeriousIllness> {
        self.as_ref().map(|s| RawSeriousIllness {
            threshold: Some(s.threshold),
            bands: Some(
                s.bands
                    .iter()
                    .map(|b| RawBand {
                        above: Some(b.above),
                        rate: Some(b.rate),
                    })
                    .collect(),
            ),
            cap: Some(s.cap),
        })
    }
}

pub(crate) mod run {
    //! Serious-illness insurance in the run (`docs/model.md`, "Payment"):
    //! each resident's out-of-pocket this year (after the fund, before
    //! this payer), kept in payment's run state only when the lever is on
    //! and reset with the yearly caps.

    use crate::engine::Sim;

    impl Sim<'_> {
        /// Hook in `payment::charge` at `t`: what the second payer pays of
        /// `patient_part` (the patient's part after the fund) billed to
        /// `resident`, adding that part to the resident's yearly
        /// out-of-pocket; a resident's first payment of a year counts them
        /// as a beneficiary. 0 without `[serious_illness]`.
        pub(crate) fn serious_illness_pays(&mut self, resident: u32, patient_part: f64, t: f64) -> f64 {
            let Some(si) = &self.scenario.serious_illness else {
                return 0.0;
            };
            let year = &mut self.payment.oop_this_year[resident as usize];
            let before = f64::from(*year);
            *year = (before + patient_part) as f32;
            let paid = si.pays(before, patient_part);
            if paid > 0.0 && si.reimbursement(before) == 0.0 {
                let who = self.recorder.who(resident, self.residents.all[resident as usize]);
                self.recorder.serious_illness_beneficiary(t, who);
            }
            paid
        }
    }

    #[cfg(test)]
    mod tests {
        use crate::engine::Sim;
        use crate::engine::stepping::quiet_world;

        /// Defect (#13): nothing paid a resident's spending above a
        /// threshold. Threshold 1,000, half of it back up to 2,000 and 80%
        /// beyond, cap 1,000: after 500 below the threshold a bill of 2,000 gets back 0.5 x 1,000 + 0.8 x
        /// 500 = 900, the next 500 only the 100 left of the cap.
        #[test]
        fn the_second_payer_pays_the_rise_in_the_yearly_reimbursement() {
            let si = "[serious_illness]\nthreshold = 1000\ncap = 1000\n\
                      bands = [{ above = 1000, rate = 0.5 }, { above = 2000, rate = 0.8 }]\n";
            let rest = format!("[[facility]]\nname = \"ch\"\ntier = \"county\"\nat_km = [0.0, 0.0]\n{si}");
            let w = quiet_world(1, 2, &rest);
            let mut sim = Sim::new(&w, 0);
            assert!((sim.serious_illness_pays(0, 500.0, 0.0) - 0.0).abs() < 1e-9);
            assert!((sim.serious_illness_pays(0, 2000.0, 0.0) - 900.0).abs() < 1e-6);
            assert!((sim.serious_illness_pays(0, 500.0, 0.0) - 100.0).abs() < 1e-6);
            assert_eq!(sim.serious_illness_pays(0, 500.0, 0.0), 0.0);
            // The other resident's year is their own.
            assert!((sim.serious_illness_pays(1, 1500.0, 0.0) - 250.0).abs() < 1e-6);
            // A year end starts every resident again.
            sim.payment_day_end(364);
            assert_eq!(sim.serious_illness_pays(0, 1000.0, 0.0), 0.0);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;

    type S = Option<SeriousIllness>;

    fn si(text: &str) -> SeriousIllness {
        accepted::<S>(&raw(text)).expect("a section")
    }

    #[test]
    fn defaults() {
        assert_eq!(check::<S>(&None).0, None);
        let s = accepted::<S>(&Some(RawSeriousIllness::default())).expect("a section");
        assert_eq!(s.threshold, THRESHOLD);
        assert_eq!(s.bands, BANDS.to_vec());
        assert_eq!(s.cap, CAP);
    }

    /// The band arithmetic by hand: threshold 5,000; bands from 5,000 at
    /// 50%, from 20,000 at 60%, from 50,000 at 70%; cap 30,000.
    #[test]
    fn bands_are_marginal_rates_above_the_threshold_up_to_the_cap() {
        let s = si("threshold = 5000\ncap = 30000\nbands = [{ above = 5000, rate = 0.5 }, \
                    { above = 20000, rate = 0.6 }, { above = 50000, rate = 0.7 }]");
        assert_eq!(s.reimbursement(0.0), 0.0);
        assert_eq!(s.reimbursement(5000.0), 0.0);
        assert_eq!(s.reimbursement(6000.0), 500.0);
        // 0.5 x 15,000 + 0.6 x 10,000.
        assert!((s.reimbursement(30_000.0) - 13_500.0).abs() < 1e-9);
        // 0.5 x 15,000 + 0.6 x 30,000 + 0.7 x 10,000 = 32,500, capped.
        assert_eq!(s.reimbursement(60_000.0), 30_000.0);
        // Bills pay the rise, so any split of a year's spending gets the same.
        let one = s.pays(0.0, 30_000.0);
        let two = s.pays(0.0, 12_000.0) + s.pays(12_000.0, 18_000.0);
        assert!((one - two).abs() < 1e-9);
        assert!((s.pays(59_000.0, 5_000.0) - 0.0).abs() < 1e-9);
    }

    /// A first band above the threshold leaves the gap between them at rate 0.
    #[test]
    fn spending_between_the_threshold_and_the_first_band_is_not_reimbursed() {
        let s = si("threshold = 1000\ncap = 1e9\nbands = [{ above = 3000, rate = 1.0 }]");
        assert_eq!(s.reimbursement(2500.0), 0.0);
        assert_eq!(s.reimbursement(4000.0), 1000.0);
    }

    #[test]
    fn bad_settings_are_named_by_their_key() {
        refused::<S>(&raw("threshold = -1"), "serious_illness.threshold");
        refused::<S>(&raw("cap = -5"), "serious_illness.cap");
        let p = refused::<S>(
            &raw("bands = [{ above = 10000, rate = 0.5 }, { above = 20000, rate = 1.5 }]"),
            "serious_illness.bands[1].rate",
        );
        assert!(p.message.contains("between 0 and 1"), "{p:?}");
        let p = refused::<S>(
            &raw("bands = [{ above = 30000, rate = 0.5 }, { above = 20000, rate = 0.6 }]"),
            "serious_illness.bands[1].above",
        );
        assert!(p.message.contains("increasing order"), "{p:?}");
        let p = refused::<S>(
            &raw("bands = [{ above = 20000, rate = 0.5 }, { above = 20000, rate = 0.6 }]"),
            "serious_illness.bands[1].above",
        );
        assert!(p.message.contains("overlap"), "{p:?}");
        let p = refused::<S>(
            &raw("threshold = 20000\nbands = [{ above = 10000, rate = 0.5 }]"),
            "serious_illness.bands[0].above",
        );
        assert!(p.message.contains("threshold"), "{p:?}");
        refused::<S>(&raw("bands = []"), "serious_illness.bands");
        refused::<S>(&raw("bands = [{ above = 10000 }]"), "serious_illness.bands[0].rate");
    }

    /// The resolved scenario (`scenario.toml` of a run) keeps the section.
    #[test]
    fn the_resolved_scenario_keeps_the_bands() {
        let text = format!(
            "{BASE}[serious_illness]\nthreshold = 8000\nbands = [{{ above = 9000, rate = 0.6 }}]\ncap = 90000\n"
        );
        let first = scenario(&text).expect("valid");
        let resolved = crate::scenario::resolved::to_toml(&first);
        let second = scenario(&resolved).expect("the resolved scenario is valid");
        assert_eq!(first.serious_illness, second.serious_illness);
        assert_eq!(second.serious_illness.expect("kept").bands[0].above, 9000.0);
    }

    #[test]
    fn round_trip() {
        round_trips::<S>(&None);
        round_trips::<S>(&Some(RawSeriousIllness::default()));
        round_trips::<S>(&raw(
            "threshold = 8000\ncap = 150000\nbands = [{ above = 8000, rate = 0.55 }, { above = 40000, rate = 0.75 }]",
        ));
    }
}
