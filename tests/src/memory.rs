//! Memory of a process tree as Linux accounts it: PSS (proportional set
//! size, shared pages divided among their users) from
//! /proc/<pid>/smaps_rollup, summed over a process and its descendants (the
//! app and its WebKit processes). For the benchmarks.

use std::collections::HashMap;

/// Every process id in /proc.
fn pids() -> impl Iterator<Item = u32> {
    std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| entry.file_name().to_str()?.parse::<u32>().ok())
}

/// `root` and all its descendants, from the ppid links in /proc/<pid>/stat.
pub fn process_tree(root: u32) -> Vec<u32> {
    let mut children: HashMap<u32, Vec<u32>> = HashMap::new();
    for pid in pids() {
        if let Some(ppid) = parent_pid(pid) {
            children.entry(ppid).or_default().push(pid);
        }
    }
    let mut tree = vec![root];
    let mut i = 0;
    while i < tree.len() {
        if let Some(kids) = children.get(&tree[i]) {
            tree.extend(kids);
        }
        i += 1;
    }
    tree
}

pub fn parent_pid(pid: u32) -> Option<u32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // "pid (comm) state ppid ...": comm may contain spaces and parentheses,
    // so split after the last ')'.
    let after = &stat[stat.rfind(')')? + 1..];
    after.split_whitespace().nth(1)?.parse().ok()
}

pub fn pss_kib(pid: u32) -> Option<u64> {
    let rollup = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).ok()?;
    rollup
        .lines()
        .find_map(|l| l.strip_prefix("Pss:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
}

/// PSS of `root` and its descendants, in KiB, and how many processes.
pub fn tree_pss_kib(root: u32) -> (u64, usize) {
    let tree = process_tree(root);
    (
        tree.iter().filter_map(|pid| pss_kib(*pid)).sum(),
        tree.len(),
    )
}

/// The processes whose command line holds every one of `needles` (to find
/// an app that WebDriver started, by its unique cache folder).
pub fn find_processes(needles: &[&str]) -> Vec<u32> {
    let mut out = Vec::new();
    for pid in pids() {
        let Ok(cmdline) = std::fs::read(format!("/proc/{pid}/cmdline")) else {
            continue;
        };
        let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
        if needles.iter().all(|n| cmdline.contains(n)) {
            out.push(pid);
        }
    }
    out.sort_unstable();
    out
}
