//! plenary-cli
fn main() {}
