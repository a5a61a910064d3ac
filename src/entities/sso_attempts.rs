use sea_orm::entity::prelude::*;

/// A sign-in through a provider in progress, bound to one browser by the SHA-256 of its cookie.
#[derive(Clone, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sso_attempts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id_hash: String,
    pub provider_id: i32,
    pub state: String,
    pub nonce: String,
    pub pkce_verifier: String,
    pub next_path: String,
    pub created_at: DateTimeUtc,
    pub expires_at: DateTimeUtc,
    /// Set once the provider has answered: an attempt is used once.
    pub used_at: Option<DateTimeUtc>,
    /// When the provider's e-mail matched an existing account: that account, waiting for its password.
    pub link_user_id: Option<i32>,
    pub link_subject: Option<String>,
}

impl std::fmt::Debug for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("sso_attempts::Model")
            .field("provider_id", &self.provider_id)
            .finish_non_exhaustive()
    }
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
