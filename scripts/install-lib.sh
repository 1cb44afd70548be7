# Shared by scripts/install.sh (the server) and scripts/install-agent.sh (the kiosk print agent):
# each step is printed, and with dry=1 only printed (the caller sets `dry` before sourcing this).

step() { echo "==> $*"; }
run() { echo "+ $*"; if ((dry == 0)); then "$@"; fi; }
# write_file PATH MODE OWNER:GROUP [SHOWN] < content   (SHOWN: what a dry run prints instead, e.g. a secret masked)
write_file() {
  local path=$1 perm=$2 owner=$3 content
  content=$(cat)
  echo "+ write $path (mode $perm, owner $owner)"
  if ((dry)); then
    printf '%s\n' "${4:-$content}" | sed 's/^/    | /'
  else
    printf '%s\n' "$content" | install -m "$perm" -o "${owner%%:*}" -g "${owner##*:}" /dev/stdin "$path"
  fi
}
