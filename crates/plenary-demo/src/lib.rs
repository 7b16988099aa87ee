//! plenary-demo
