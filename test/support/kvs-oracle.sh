#!/usr/bin/env bash
# Independent expectations for the reader tests, computed with mkvinfo / ffprobe (never our reader).
# The numbers it prints are pasted as literals into test/mkv-samples.test.ts next to the command.
#
#   bash test/support/kvs-oracle.sh kvs FILE
#     One line per Matroska document (= KVS fragment), found by splitting FILE at each EBML header
#     magic 1A 45 DF A3 and running mkvinfo on each piece:
#     <fragment number> <server ts> <producer ts> <first cluster timestamp ms> <track>:<frames> ...
#     (AWS tag values as mkvinfo prints them, '-' when absent; frames counted from the
#      "track number N, K frame(s)" of each block line, so laced frames count one by one.)
#
#   bash test/support/kvs-oracle.sh clusters FILE
#     One line per Cluster of the first document (mkvinfo -v): <cluster timestamp ms> <track>:<frames> ...
#     preceded by "tags <fragment number> <server ts> <producer ts>" lines for the KVS Tags before it.
#
#   bash test/support/kvs-oracle.sh plain FILE
#     ffprobe's packets in demux order, cut before each video key frame that follows a video packet:
#     <pts ms of the group's first video key frame> <stream index>:<packets> ...
set -euo pipefail
mode=$1
file=$2
export LC_ALL=C

to_ms() { # mkvinfo's H:MM:SS.nnnnnnnnn to integer ms
  awk -F'[:.]' '{ printf "%.0f\n", ((($1 * 60) + $2) * 60 + $3) * 1000 + substr($4, 1, 3) }'
}

if [ "$mode" = kvs ]; then
  tmp=$(mktemp)
  trap 'rm -f "$tmp"' EXIT
  mapfile -t offsets < <(grep -obUaP '\x1a\x45\xdf\xa3' "$file" | cut -d: -f1)
  offsets+=("$(stat -c %s "$file")")
  for ((i = 0; i < ${#offsets[@]} - 1; i++)); do
    dd if="$file" of="$tmp" iflag=skip_bytes,count_bytes skip="${offsets[i]}" count=$((offsets[i + 1] - offsets[i])) status=none
    info=$(mkvinfo -v "$tmp" 2>/dev/null || true)
    tag() { printf '%s\n' "$info" | grep -A1 -E "Name: AWS_KINESISVIDEO_$1\$" | sed -n 's/.*String: //p' | head -1 || true; }
    fn=$(tag FRAGMENT_NUMBER)
    server=$(tag SERVER_TIMESTAMP)
    producer=$(tag PRODUCER_TIMESTAMP)
    cluster=$(printf '%s\n' "$info" | sed -n 's/.*Cluster timestamp: //p' | head -1 || true)
    [ -n "$cluster" ] && cluster=$(printf '%s\n' "$cluster" | to_ms)
    frames=$(printf '%s\n' "$info" | { sed -n 's/.*track number \([0-9]*\), \([0-9]*\) frame(s).*/\1 \2/p' || true; } |
      awk '{ n[$1] += $2 } END { for (t in n) printf "%s:%d ", t, n[t] }')
    echo "${fn:--} ${server:--} ${producer:--} ${cluster:--} ${frames}"
  done
elif [ "$mode" = clusters ]; then
  mkvinfo -v "$file" 2>/dev/null | awk '
    function flush() { if (inCluster) { printf "%s", ts; for (t in n) printf " %s:%d", t, n[t]; print "" } delete n }
    /^\|\+ / { flush(); inCluster = 0 }
    /^\|\+ Cluster/ { inCluster = 1 }
    /Cluster timestamp: / { split($NF, p, /[:.]/); ts = sprintf("%.0f", ((p[1] * 60 + p[2]) * 60 + p[3]) * 1000 + substr(p[4], 1, 3)) }
    /Name: AWS_KINESISVIDEO_(FRAGMENT_NUMBER|SERVER_TIMESTAMP|PRODUCER_TIMESTAMP)$/ { want = 1; next }
    want && /String: / { kvs = kvs " " $NF; if (++got == 3) { print "tags" kvs; kvs = ""; got = 0 } }
    { want = 0 }
    match($0, /track number [0-9]+, [0-9]+ frame/) { split(substr($0, RSTART, RLENGTH), w, /[ ,]+/); n[w[3]] += w[4] }
    END { flush() }'
elif [ "$mode" = plain ]; then
  ffprobe -v quiet -show_entries packet=codec_type,stream_index,pts,flags -of csv=p=0 "$file" |
    awk -F, '
      function flush() { if (started) { printf "%s", first; for (s in n) printf " %s:%d", s, n[s]; print "" } delete n }
      $1 == "video" && $4 ~ /^K/ && sawVideo { flush(); first = ""; sawVideo = 0 }
      $1 == "video" && $4 ~ /^K/ && first == "" { first = $3 }
      { started = 1; n[$2]++; if ($1 == "video") sawVideo = 1 }
      END { flush() }'
else
  echo "usage: $0 kvs|plain FILE" >&2
  exit 2
fi
