//! The two roles a person can have: on the whole site (`users.role`) and in one organisation
//! (`org_members.role`). SeaORM active enums whose stored strings are the ones the tables always
//! held, so no data migration was needed; nothing compares a role as a string.
use sea_orm::entity::prelude::*;
use serde::Serialize;

/// A person's role on the whole site.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
#[serde(rename_all = "snake_case")]
pub enum Role {
    #[sea_orm(string_value = "learner")]
    Learner,
    #[sea_orm(string_value = "platform_admin")]
    PlatformAdmin,
}

impl Role {
    /// The stored word (also used in the data export and the audit log).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Learner => "learner",
            Self::PlatformAdmin => "platform_admin",
        }
    }

    /// The role as people read it: "learner", "platform admin".
    pub fn in_words(self) -> &'static str {
        match self {
            Self::Learner => "learner",
            Self::PlatformAdmin => "platform admin",
        }
    }
}

/// A member's role in one organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
#[serde(rename_all = "snake_case")]
pub enum MemberRole {
    #[sea_orm(string_value = "learner")]
    Learner,
    #[sea_orm(string_value = "org_admin")]
    OrgAdmin,
}

impl MemberRole {
    /// The stored word.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Learner => "learner",
            Self::OrgAdmin => "org_admin",
        }
    }

    /// The role as people read it: "learner", "org admin".
    pub fn in_words(self) -> &'static str {
        match self {
            Self::Learner => "learner",
            Self::OrgAdmin => "org admin",
        }
    }

    /// A role as a person types it in an import file's `role` column (empty means learner).
    pub fn parse(s: &str) -> Option<Self> {
        match s
            .trim()
            .to_ascii_lowercase()
            .replace([' ', '-'], "_")
            .as_str()
        {
            "" | "learner" => Some(Self::Learner),
            "org_admin" | "orgadmin" | "admin" => Some(Self::OrgAdmin),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm::{ActiveEnum, Iterable};

    #[test]
    fn the_stored_words_are_the_ones_the_tables_always_held() {
        assert_eq!(Role::Learner.to_value(), "learner");
        assert_eq!(Role::PlatformAdmin.to_value(), "platform_admin");
        assert_eq!(MemberRole::Learner.to_value(), "learner");
        assert_eq!(MemberRole::OrgAdmin.to_value(), "org_admin");
        for r in Role::iter() {
            assert_eq!(r.to_value(), r.as_str());
            assert_eq!(Role::try_from_value(&r.as_str().to_string()).ok(), Some(r));
        }
        for r in MemberRole::iter() {
            assert_eq!(r.to_value(), r.as_str());
        }
        assert!(Role::try_from_value(&"admin".to_string()).is_err());
    }

    #[test]
    fn an_import_role_is_read_the_way_people_type_it() {
        assert_eq!(MemberRole::parse(""), Some(MemberRole::Learner));
        assert_eq!(MemberRole::parse(" Org Admin "), Some(MemberRole::OrgAdmin));
        assert_eq!(MemberRole::parse("org-admin"), Some(MemberRole::OrgAdmin));
        assert_eq!(MemberRole::parse("teacher"), None);
    }
}
