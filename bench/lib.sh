# Shared helpers of the benchmark scripts: source it after setting `runs`
# (runs per measurement) and `work` (a scratch folder).

# Prints the median of numbers read one per line.
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

# Runs a command `runs` times and prints its median wall time and peak memory.
# Usage: measure LABEL COMMAND...; the median is also written to $work/median-LABEL.
measure() {
  local label=$1; shift
  local times=() peak=0
  for _ in $(seq "$runs"); do
    /usr/bin/time -f "%e %M" -o "$work/time" "$@" > "$work/out" 2>/dev/null || true
    # /usr/bin/time puts "Command exited with non-zero status N" before the figures.
    read -r seconds kib < <(tail -n 1 "$work/time")
    times+=("$seconds")
    [ "$kib" -gt "$peak" ] && peak=$kib
  done
  local med
  med=$(printf '%s\n' "${times[@]}" | median)
  printf '%-28s median %7.3f s   peak %7.1f MiB\n' "$label" "$med" "$(echo "$peak/1024" | bc -l)"
  echo "$med" > "$work/median-$label"
}
