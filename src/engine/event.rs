//! Events: small `Copy` values carrying ids; episode data lives in a slab.

/// Something that happens at an instant.
///
/// Ties at the same time are broken by a fixed rank per kind (listed in
/// the order they are handled), then by insertion order:
/// 0 day end (daily statistics close before anything else at midnight),
/// 1 opening and closing (staffing changes first), 2 service ends (free
/// doctors before new work is considered), 3 patience timeouts (a doctor
/// freed at the same instant serves the patient first), 4 arrivals,
/// 5 onsets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event {
    /// End of a simulated day.
    DayEnd,
    /// A facility opens.
    Open {
        /// Facility index.
        facility: u32,
    },
    /// A facility closes; patients already queued are still served.
    Close {
        /// Facility index.
        facility: u32,
    },
    /// A doctor finishes with a patient.
    ServiceEnd {
        /// Facility index.
        facility: u32,
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
}

impl Event {
    /// Tie-break rank (see the type's docs).
    pub fn rank(&self) -> u8 {
        match self {
            Event::DayEnd => 0,
            Event::Open { .. } | Event::Close { .. } => 1,
            Event::ServiceEnd { .. } => 2,
            Event::Timeout { .. } => 3,
            Event::Arrival { .. } => 4,
            Event::Onset => 5,
        }
    }
}
