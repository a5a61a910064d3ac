//! Values parsed from user input. Holding one means it is valid: parse, don't validate.
pub mod confidence;
mod display_name;
mod email;
mod password;
pub mod quiz;
pub mod worksheet;

pub use display_name::DisplayName;
pub use email::Email;
pub use password::{NewPassword, PasswordProblem};
