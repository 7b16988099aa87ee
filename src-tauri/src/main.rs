//! plenary-app
fn main() {}
