//! How the web view draws, decided before WebKit starts.
//!
//! WebKitGTK composites pages with OpenGL. On a Linux machine with no GPU
//! (a virtual machine, a remote desktop, a CI runner under Xvfb) that OpenGL
//! is Mesa's llvmpipe: the GPU emulated on the CPU. It buys nothing there:
//! every frame is still drawn by the processor, and the emulator and its
//! textures cost about 85 MB per window (measured by `app-bench`: the demo
//! meeting page takes 322 MB of PSS composited, 237 MB not). So when no GPU
//! render node exists, Plenary asks WebKit to draw without compositing,
//! through WebKitGTK's documented `WEBKIT_DISABLE_COMPOSITING_MODE`. Where a
//! GPU exists nothing changes, and a user's own setting of that variable
//! (either way) always wins.

use std::path::Path;

/// The variable WebKitGTK reads when its first web view is created.
pub const DISABLE_COMPOSITING: &str = "WEBKIT_DISABLE_COMPOSITING_MODE";

/// What to do about compositing, and why (for the log).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Policy {
    /// The user set `WEBKIT_DISABLE_COMPOSITING_MODE` themselves.
    UserChoice,
    /// A GPU render node exists: WebKit's default (composited).
    Gpu,
    /// No GPU: compositing would be emulated on the CPU; turned off.
    NoGpu,
}

/// Decides from the environment and the device folder (`/dev/dri`).
pub fn decide(user_setting: Option<&str>, dri: &Path) -> Policy {
    if user_setting.is_some() {
        return Policy::UserChoice;
    }
    let has_render_node = std::fs::read_dir(dri).is_ok_and(|entries| {
        entries
            .flatten()
            .any(|e| e.file_name().to_string_lossy().starts_with("renderD"))
    });
    if has_render_node {
        Policy::Gpu
    } else {
        Policy::NoGpu
    }
}

/// Applies the policy for this machine. Call first in `main`, before any
/// other thread exists (it may set an environment variable).
#[cfg(target_os = "linux")]
#[allow(unsafe_code)] // std::env::set_var; the one unsafe block of the shell
pub fn apply() -> Policy {
    let user = std::env::var(DISABLE_COMPOSITING).ok();
    let policy = decide(user.as_deref(), Path::new("/dev/dri"));
    if policy == Policy::NoGpu {
        // SAFETY: called at the top of `main`, before the runtime, the
        // logger or WebKit start any thread, so nothing reads the
        // environment concurrently.
        unsafe { std::env::set_var(DISABLE_COMPOSITING, "1") };
    }
    policy
}

#[cfg(not(target_os = "linux"))]
pub fn apply() -> Policy {
    Policy::Gpu
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_render_node_means_no_compositing() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(decide(None, dir.path()), Policy::NoGpu);
        assert_eq!(
            decide(None, &dir.path().join("missing")),
            Policy::NoGpu,
            "a machine without /dev/dri has no GPU"
        );
        // A card without a render node (a display-only device) is no GPU
        // either.
        std::fs::write(dir.path().join("card0"), b"").unwrap();
        assert_eq!(decide(None, dir.path()), Policy::NoGpu);
    }

    #[test]
    fn a_render_node_keeps_webkits_default() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("renderD128"), b"").unwrap();
        assert_eq!(decide(None, dir.path()), Policy::Gpu);
    }

    #[test]
    fn the_users_own_setting_always_wins() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(decide(Some("0"), dir.path()), Policy::UserChoice);
        std::fs::write(dir.path().join("renderD128"), b"").unwrap();
        assert_eq!(decide(Some("1"), dir.path()), Policy::UserChoice);
    }
}
