use sea_orm::entity::prelude::*;

/// An organisation's OpenID provider. The client secret is never shown, logged, exported or audited.
#[derive(Clone, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sso_providers")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub org_id: i32,
    pub issuer: String,
    pub client_id: String,
    pub client_secret: String,
    /// The ID token claim whose value names the cohort (e.g. `groups`), if any.
    pub group_claim: Option<String>,
    pub default_cohort_id: Option<i32>,
    /// The ID token claim whose value is the e-mail of the person's line manager, if any.
    pub manager_claim: Option<String>,
    /// Members must sign in through the provider: password log-in is refused for them.
    pub require_sso: bool,
    pub created_at: DateTimeUtc,
}

/// Without the secret, so that a stray `{:?}` cannot log it.
impl std::fmt::Debug for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("sso_providers::Model")
            .field("id", &self.id)
            .field("org_id", &self.org_id)
            .field("issuer", &self.issuer)
            .field("client_id", &self.client_id)
            .finish_non_exhaustive()
    }
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
