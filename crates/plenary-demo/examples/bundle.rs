//! Writes the demo bundle to a folder and reports how long generation took:
//! `cargo run -p plenary-demo --release --example bundle -- /tmp/demo-bundle`

use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::args()
        .nth(1)
        .ok_or("usage: bundle <output-dir>")?;
    let start = Instant::now();
    let demo = plenary_demo::generate()?;
    let elapsed = start.elapsed();
    plenary_demo::write_bundle(&demo, std::path::Path::new(&dir))?;
    let bytes: usize = demo.files.iter().map(|f| f.bytes.len()).sum();
    println!(
        "generated {} records and {} files ({} bytes) in {:.2?}; written to {dir}",
        demo.records.len(),
        demo.files.len(),
        bytes,
        elapsed
    );
    Ok(())
}
