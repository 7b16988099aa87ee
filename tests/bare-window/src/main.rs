//! plenary-bare-window
fn main() {}
