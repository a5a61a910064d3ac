//! Words the account pages share (the account page and two-step verification).

/// A wrong current password on a form that asks for it.
pub const WRONG_PASSWORD: &str = "Your password is not right. Enter the password you use to log in";

/// Too many wrong current passwords in an hour.
pub const TOO_MANY: &str =
    "You have entered a wrong password too many times. Wait an hour, then try again";
