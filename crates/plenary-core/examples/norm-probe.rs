//! Temporary probe (not committed): tokenizer throughput.
use std::time::Instant;
fn cpu() -> f64 { std::fs::read_to_string("/proc/thread-self/schedstat").unwrap().split_whitespace().next().unwrap().parse::<f64>().unwrap() / 1e9 }
fn main() {
    let en = "The Committee recalls its previous resolutions on the implementation of the Convention, \nand requests the Secretary-General to report on development, human rights and security. ".repeat(6000);
    let fr = "Les États parties à la Convention sur les armes à sous-munitions réaffirment leur engagement en faveur du développement durable et de la coopération. ".repeat(6000);
    let ru = "Государства-участники Конвенции по кассетным боеприпасам вновь подтверждают свою приверженность устойчивому развитию. ".repeat(6000);
    let zh = "我们，《集束弹药公约》缔约国，于2024年9月10日至13日在日内瓦举行第十二次会议，并与观察员国、国际组织和民间社会一道，宣布如下。".repeat(6000);
    for (name, text) in [("en", &en), ("fr", &fr), ("ru", &ru), ("zh", &zh)] {
        let mut n = 0usize;
        let (t, c) = (Instant::now(), cpu());
        for _ in 0..10 { plenary_core::search::normalize::tokenize(text, |t| n += t.text.len()); }
        let (w, c) = (t.elapsed().as_secs_f64(), cpu() - c);
        println!("{name}: tokenize {:.0} MB/s wall {:.0} MB/s cpu ({n})", 10.0 * text.len() as f64 / 1e6 / w, 10.0 * text.len() as f64 / 1e6 / c);
        let (t, c) = (Instant::now(), cpu());
        for _ in 0..10 { std::hint::black_box(plenary_core::search::normalize::normalize(text)); }
        let (w, c) = (t.elapsed().as_secs_f64(), cpu() - c);
        println!("{name}: normalize {:.0} MB/s wall {:.0} MB/s cpu", 10.0 * text.len() as f64 / 1e6 / w, 10.0 * text.len() as f64 / 1e6 / c);
    }
}
