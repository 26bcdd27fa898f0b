//! Events: small `Copy` values carrying ids; episode data lives in a slab.

use crate::scenario::FacilityId;

/// Something that happens at an instant.
///
/// Ties at the same time are broken by a fixed rank per kind (listed in
/// the order they are handled), then by insertion order:
/// 0 day end (daily statistics close before anything else at midnight),
/// 1 opening, closing and rotation stints (staffing changes first),
/// 2 service ends and discharges (free doctors and beds before new work is
/// considered), 3 patience and boarding timeouts (a doctor or bed freed at
/// the same instant serves the patient first), 4 arrivals and follow-up
/// departures, 5 onsets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event {
    /// End of a simulated day.
    DayEnd,
    /// A facility opens.
    Open {
        /// The facility.
        facility: FacilityId,
    },
    /// A facility closes; patients already queued are still served.
    Close {
        /// The facility.
        facility: FacilityId,
    },
    /// A doctor finishes with a patient.
    ServiceEnd {
        /// The facility.
        facility: FacilityId,
        /// Episode slot.
        episode: u32,
    },
    /// A waiting patient's patience runs out (stale if the token moved on).
    Timeout {
        /// Episode slot.
        episode: u32,
        /// The arrival it belongs to.
        token: u32,
    },
    /// A patient reaches a facility.
    Arrival {
        /// Episode slot.
        episode: u32,
    },
    /// The next illness onset of the merged Poisson process.
    Onset,
    /// An inpatient leaves their bed.
    Discharge {
        /// The facility.
        facility: FacilityId,
        /// Episode slot.
        episode: u32,
    },
    /// A patient waiting for a bed gives up on this facility and is transferred.
    BoardingTimeout {
        /// Episode slot.
        episode: u32,
        /// The bed request it belongs to.
        token: u32,
    },
    /// A patient sets out for a follow-up visit.
    FollowUp {
        /// Episode slot.
        episode: u32,
    },
    /// A rotation program's stint begins.
    StintStart {
        /// Index of the program in the scenario's rotations.
        program: u32,
    },
    /// A rotation program's stint ends.
    StintEnd {
        /// Index of the program in the scenario's rotations.
        program: u32,
    },
    /// A patient sent home for want of an admission deposit comes back
    /// with it for a bed (`deposit`).
    DepositRaised {
        /// Episode slot.
        episode: u32,
    },
}

impl Event {
    /// Tie-break rank (see the type's docs).
    pub fn rank(&self) -> u8 {
        match self {
            Event::DayEnd => 0,
            Event::Open { .. } | Event::Close { .. } | Event::StintStart { .. } | Event::StintEnd { .. } => 1,
            Event::ServiceEnd { .. } | Event::Discharge { .. } => 2,
            Event::Timeout { .. } | Event::BoardingTimeout { .. } => 3,
            Event::Arrival { .. } | Event::FollowUp { .. } | Event::DepositRaised { .. } => 4,
            Event::Onset => 5,
        }
    }
}
