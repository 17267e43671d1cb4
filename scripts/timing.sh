# Sourced by the bench scripts: wall times of whole processes, RUNS runs each.

# "MEDIAN FASTEST" wall time in milliseconds of RUNS runs of a command (output discarded; a
# failing run stops the script, so an input a tool rejects is never timed as if it worked).
wall_ms() {
  local times=()
  for _ in $(seq "$runs"); do
    local start end
    start=$(date +%s%N)
    "$@" >/dev/null 2>&1
    end=$(date +%s%N)
    times+=($(((end - start) / 1000)))
  done
  printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {printf "%.1f %.1f\n", a[int((NR+1)/2)]/1000, a[1]/1000}'
}

# The median alone.
median_ms() {
  wall_ms "$@" | cut -d' ' -f1
}
