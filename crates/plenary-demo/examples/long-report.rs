//! Writes the long report the benchmarks use: `cargo run -p plenary-demo --example long-report -- PAGES OUT.pdf`.
fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let pages: usize = args
        .next()
        .ok_or("usage: long-report PAGES OUT.pdf")?
        .parse()?;
    let out = args.next().ok_or("usage: long-report PAGES OUT.pdf")?;
    std::fs::write(&out, plenary_demo::long_report_pdf(pages)?)?;
    Ok(())
}
