//! Database migrations for deepdive. One change per file; never edit one that has been applied.
pub use sea_orm_migration::prelude::*;

mod common;

mod m20261127_000001_accounts;
mod m20261127_000002_progress;
mod m20261127_000003_quiz;
mod m20261127_000004_certificates;
mod m20261127_000005_organisations;
mod m20261127_000020_users_last_login;
mod m20261127_000021_users_anonymised;
mod m20261128_000001_worksheet_answers;
mod m20261128_000002_plan_settings;
mod m20261128_000003_confidence_ratings;
mod m20261128_000004_confidence_skips;
mod m20261128_000005_login_throttle;
mod m20261129_000001_report_indexes;
mod m20261129_000002_mfa;
mod m20261201_000001_outbox;
mod m20261201_000002_mail_preferences;
mod m20261201_000003_cohort_reminders;
mod m20261202_250001_team_plans;
mod m20261202_250002_team_plan_sections;
mod m20261202_250003_team_plan_versions;
mod m20261202_250004_plan_submissions;
mod m20261202_260001_plan_review_rubric;
mod m20261202_300001_form_stashes;
mod m20261202_300002_org_time_zone;
mod m20261202_310001_cohort_lock_modules;
mod m20261202_500001_sso;
mod m20261202_500002_line_managers;
mod m20261202_500003_sso_manager_claim;
mod m20261202_600001_learning_views;
mod m20261202_600002_certificate_learning_minutes;
mod m20261202_600003_webhooks;
mod m20261202_700001_member_employee_number;
mod m20261202_700002_api_tokens;
mod m20261203_800001_cache_events;
mod m20261204_900001_members_by_org_and_id;
pub mod m20261205_900002_report_counts;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261127_000001_accounts::Migration),
            Box::new(m20261127_000002_progress::Migration),
            Box::new(m20261127_000003_quiz::Migration),
            Box::new(m20261127_000004_certificates::Migration),
            Box::new(m20261127_000005_organisations::Migration),
            Box::new(m20261128_000001_worksheet_answers::Migration),
            Box::new(m20261128_000002_plan_settings::Migration),
            Box::new(m20261128_000003_confidence_ratings::Migration),
            Box::new(m20261128_000004_confidence_skips::Migration),
            Box::new(m20261127_000020_users_last_login::Migration),
            Box::new(m20261127_000021_users_anonymised::Migration),
            Box::new(m20261128_000005_login_throttle::Migration),
            Box::new(m20261129_000001_report_indexes::Migration),
            Box::new(m20261129_000002_mfa::Migration),
            Box::new(m20261201_000001_outbox::Migration),
            Box::new(m20261201_000002_mail_preferences::Migration),
            Box::new(m20261201_000003_cohort_reminders::Migration),
            Box::new(m20261202_700001_member_employee_number::Migration),
            Box::new(m20261202_700002_api_tokens::Migration),
            Box::new(m20261202_300001_form_stashes::Migration),
            Box::new(m20261202_300002_org_time_zone::Migration),
            Box::new(m20261202_250001_team_plans::Migration),
            Box::new(m20261202_250002_team_plan_sections::Migration),
            Box::new(m20261202_250003_team_plan_versions::Migration),
            Box::new(m20261202_250004_plan_submissions::Migration),
            Box::new(m20261202_600001_learning_views::Migration),
            Box::new(m20261202_600002_certificate_learning_minutes::Migration),
            Box::new(m20261202_600003_webhooks::Migration),
            Box::new(m20261202_310001_cohort_lock_modules::Migration),
            Box::new(m20261202_260001_plan_review_rubric::Migration),
            Box::new(m20261202_500001_sso::Migration),
            Box::new(m20261202_500002_line_managers::Migration),
            Box::new(m20261202_500003_sso_manager_claim::Migration),
            Box::new(m20261203_800001_cache_events::Migration),
            Box::new(m20261204_900001_members_by_org_and_id::Migration),
            Box::new(m20261205_900002_report_counts::Migration),
        ]
    }
}
