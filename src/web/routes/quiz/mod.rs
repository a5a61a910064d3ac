//! Taking a quiz (`take`), reviewing an attempt (`review`) and the learner's attempt history
//! (`history`). The pages' view models are in `web::views::quiz`; storing an attempt is
//! `services::quiz::submit_form`.
pub mod history;
pub mod review;
pub mod take;
