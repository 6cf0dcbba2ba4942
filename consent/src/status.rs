//! A consent's status and the lifecycle between statuses.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConsentStatus {
    Pending,
    Active,
    Rejected,
    Expired,
    RevokedByDriver,
    RevokedByPartner,
    RevokedByOem,
    EndedByOwnershipChange,
}

impl ConsentStatus {
    pub const ALL: [Self; 8] = [
        Self::Pending,
        Self::Active,
        Self::Rejected,
        Self::Expired,
        Self::RevokedByDriver,
        Self::RevokedByPartner,
        Self::RevokedByOem,
        Self::EndedByOwnershipChange,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Active => "active",
            Self::Rejected => "rejected",
            Self::Expired => "expired",
            Self::RevokedByDriver => "revoked_by_driver",
            Self::RevokedByPartner => "revoked_by_partner",
            Self::RevokedByOem => "revoked_by_oem",
            Self::EndedByOwnershipChange => "ended_by_ownership_change",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == raw)
    }

    /// Whether a consent may move from `self` to `next`.
    pub fn can_become(self, next: Self) -> bool {
        use ConsentStatus as S;
        matches!(
            (self, next),
            (S::Pending, S::Active | S::Rejected)
                | (
                    S::Active,
                    S::Expired
                        | S::RevokedByDriver
                        | S::RevokedByPartner
                        | S::RevokedByOem
                        | S::EndedByOwnershipChange
                )
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_active_consents_can_be_revoked_and_terminal_states_stay_terminal() {
        use ConsentStatus as S;
        assert!(S::Active.can_become(S::RevokedByDriver));
        assert!(S::Pending.can_become(S::Active));
        for terminal in [
            S::Rejected,
            S::Expired,
            S::RevokedByDriver,
            S::RevokedByPartner,
            S::RevokedByOem,
            S::EndedByOwnershipChange,
        ] {
            for next in S::ALL {
                assert!(!terminal.can_become(next), "{terminal:?} -> {next:?}");
            }
        }
    }
}
