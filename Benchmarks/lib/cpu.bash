# cpu_seconds PID: CPU seconds (user + system) so far of a process and of its children, living
# or reaped (for PostgreSQL: the postmaster and its backends), so a benchmark can say where the
# time went. 0 for no PID.
cpu_seconds() {
    local ticks=0 pid
    [ -n "$1" ] || { echo 0; return; }
    for pid in "$1" $(pgrep -P "$1"); do
        [ -r "/proc/$pid/stat" ] || continue
        local fields; read -r -a fields <<<"$(sed 's/^.*) //' "/proc/$pid/stat")"
        ticks=$((ticks + fields[11] + fields[12] + fields[13] + fields[14]))
    done
    python3 -c "import sys; print(int(sys.argv[1]) / int(sys.argv[2]))" "$ticks" "$(getconf CLK_TCK)"
}
