//! plenary-e2e
