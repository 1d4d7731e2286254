//! Transparent huge pages off for this process.
//!
//! mimalloc (the global allocator, see `main.rs`) reserves its heap as one large aligned region
//! and asks the kernel for transparent huge pages there (`madvise(MADV_HUGEPAGE)`); a kernel whose
//! THP mode is `always` would use them even unasked. A server's heap is sparse (many small values
//! made and dropped per request, spread over its threads' pages), and with huge pages each
//! 2 MiB region it touches at all costs 2 MiB of memory: measured on the 1M-ticket SQLite
//! benchmark, the idle server held 64 MB of heap with them and 42 MB without, and its peak under
//! 16 concurrent searches went from 131-139 MB to 89-96 MB, the searches as fast as before and
//! the other reads 1-3 % slower (docs/benchmarks/README.md, "Transparent huge pages off").
//!
//! So the process turns them off for itself, first thing in `main`, before the heap grows
//! (`prctl(PR_SET_THP_DISABLE)`: for this process only, whatever the system's setting; the
//! processes it would start inherit it, and it starts none). The system's setting is not touched.

/// Turns transparent huge pages off for this process. Kernels before 3.15 have no such switch;
/// [`enabled`] tells afterwards whether it held.
pub fn disable() -> nix::Result<()> {
    nix::sys::prctl::set_thp_disable(true)
}

/// Whether this process may still get transparent huge pages (`None`: the kernel cannot say).
fn enabled() -> Option<bool> {
    nix::sys::prctl::get_thp_disable().ok().map(|off| !off)
}

/// One log line when [`disable`] did not hold (the process then uses more memory, nothing else).
pub fn log_if_enabled() {
    if enabled() != Some(false) {
        tracing::warn!(
            "transparent huge pages are still on for this process (the kernel has no per-process \
             switch): the heap may take up to twice the memory"
        );
    }
}
