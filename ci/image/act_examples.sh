# Every example of examples/*.yml run under act against the simulator, with the
# released action, from ci/image/e2e.sh: an example that breaks fails the build.
# Source it (after lib.sh); it only defines functions, and reads PYTHON and ACT.
#
# Each example runs as written, with only `uses:` (the released copy, ./) and
# `api-url` (the simulator) changed, and remote actions and the two steps that need
# the real Sieve or PyPI skipped: ci/act/runnable_examples.py makes the copies and
# prints every change. The reusable workflow runs through its caller (act reads a
# local `uses: ./.github/workflows/x.yml`). Each run is checked for its exit code,
# for lines that only the outputs later steps read can produce, and for the key.

# The runner's job image: the base plus jq, which GitHub's ubuntu-24.04 image has and
# the examples use. Made once and kept in the daemon's store. Prints its name.
make_job_image() {
  local base=$1 name ctx
  name="sieve-action-job:$SIEVE_BASE_TAG-jq"
  if ! dk image inspect "$name" >/dev/null 2>&1; then
    ctx=$(mktemp -d)
    printf 'FROM %s\nRUN apt-get update -q && apt-get install -y -q --no-install-recommends jq && rm -rf /var/lib/apt/lists/*\n' \
      "$base" >"$ctx/Dockerfile"
    DOCKER_BUILDKIT=0 timeout 300 "$SIEVE_DOCKER_CLI" build --network host -q -t "$name" "$ctx" \
      >/dev/null 2>"$ctx/err" || { cat "$ctx/err" >&2; rm -rf "$ctx"; die "could not make the job image"; }
    rm -rf "$ctx"
  fi
  echo "$name"
}

# sim_deploy URL OWNER NAME VERSION_ID MIN MAX: a ready version in the simulator
# (MAX `null`: no maximum), through its control endpoint.
sim_deploy() {
  python3 - "$@" <<'PY'
import json, sys, urllib.request
url, owner, name, version, low, high = sys.argv[1:]
body = {"owner": owner, "name": name, "version_id": version,
        "minimum_replicas": int(low), "maximum_replicas": json.loads(high)}
request = urllib.request.Request(f"{url}/_sim/deploy", json.dumps(body).encode(), method="POST")
urllib.request.urlopen(request, timeout=10).read()
PY
}

# sim_fault URL JSON: faults for the next requests (see testkit.simulator.Fault).
sim_fault() {
  python3 - "$@" <<'PY'
import sys, urllib.request
request = urllib.request.Request(f"{sys.argv[1]}/_sim/faults", sys.argv[2].encode(), method="POST")
urllib.request.urlopen(request, timeout=10).read()
PY
}

# sim_expect URL KEY OWNER/NAME VERSION_ID MIN..MAX: the version's bounds in the
# simulator are MIN..MAX (`none`: no maximum), read through the API with KEY.
sim_expect() {
  local got
  got=$(SIM_KEY=$2 python3 - "$1" "$3" "$4" <<'PY'
import json, os, sys, urllib.request
url, function, version = sys.argv[1:]
request = urllib.request.Request(f"{url}/v2/functions/{function}/versions/{version}",
                                 headers={"X-API-Key": os.environ["SIM_KEY"]})
body = json.load(urllib.request.urlopen(request, timeout=10))
high = body["maximum_replicas"]
print(f"{body['minimum_replicas']}..{'none' if high is None else high}")
PY
) || die "could not read $3@$4 from the simulator"
  [ "$got" = "$5" ] || die "$3@$4 has replicas $got in the simulator, expected $5"
}

# act_example WORK LOGDIR JOBIMAGE KEY LABEL EXPECTED_RC EVENT WORKFLOW [LINE...]: run one
# copy under act; it must exit EXPECTED_RC (0, or 1 for a failure), print every LINE
# (a fixed string, found in what a step printed) and never show KEY.
# With ACT_EVENT_FILE set, act reads the event from that file (a workflow_dispatch's
# `inputs`).
act_example() {
  local work=$1 logs=$2 job_image=$3 key=$4 label=$5 expected=$6 event=$7 workflow=$8 rc line
  shift 8
  local log="$logs/act-$label.log" start
  start=$(now)
  set +e
  (
    cd "$work"
    HOME=$logs/home ACT_DISABLE_VERSION_CHECK=1 timeout 300 "$ACT" "$event" \
      -W ".github/workflows/$workflow" -P "ubuntu-24.04=$job_image" --pull=false -b \
      --no-cache-server --container-daemon-socket - ${ACT_EVENT_FILE:+-e "$ACT_EVENT_FILE"} \
      --secret-file <(printf 'SIEVE_API_KEY=%s\n' "$key") </dev/null
  ) >"$log" 2>&1
  rc=$?
  set -e
  say "example $label ($workflow, $event): act exit $rc in $(since "$start") s"
  if [ "$rc" -ne "$expected" ]; then
    sed "s/$key/***/g" "$log" | tail -n 40 >&2
    die "example $label: act exited $rc, expected $expected"
  fi
  for line in "$@"; do
    grep -F ']   | ' "$log" | grep -qF -- "$line" || {
      sed "s/$key/***/g" "$log" | tail -n 40 >&2
      die "example $label: no line '$line' in act's log"
    }
  done
  if grep -qF -- "$key" "$log"; then die "example $label: the API key appears in act's log"; fi
}

# run_examples WORK LOGDIR BASE SIM_URL KEY: write the copies into WORK (the release
# commit's work tree) and run them, one after the other (they share the simulator's
# functions, and the order below is the state each expects).
run_examples() {
  local work=$1 logs=$2 base=$3 sim=$4 key=$5 job_image
  local fn=my-org/my-function
  local old=00000000-0000-4000-8000-00000000a001 new=00000000-0000-4000-8000-00000000a002
  local embed=1a2b3c4d-0000-4000-8000-00000000e001 start
  local transcribe=00000000-0000-4000-8000-00000000b001 diarize=00000000-0000-4000-8000-00000000c001
  start=$(now)
  job_image=$(make_job_image "$base")
  mkdir -p "$logs/home"
  "$PYTHON" "$work/ci/act/runnable_examples.py" --api-url "$sim" --out "$work/.github/workflows" \
    "$work"/examples/*.yml 2> >(sed 's/^/[image] runnable copy: /' >&2) || die "runnable_examples.py failed"
  # The functions the examples name: my-function with an earlier version kept warm (to
  # be cooled down) and the latest at 0..1; the fleet's, one without a maximum and the
  # pinned version of embed under a newer one.
  sim_deploy "$sim" my-org my-function "$old" 1 2
  sim_deploy "$sim" my-org my-function "$new" 0 1
  sim_deploy "$sim" my-org transcribe "$transcribe" 1 null
  sim_deploy "$sim" my-org diarize "$diarize" 1 3
  sim_deploy "$sim" my-org embed "$embed" 1 1
  sim_deploy "$sim" my-org embed 00000000-0000-4000-8000-00000000e002 1 1

  # after-deploy, failing (Sieve answers 404 for the version): the report still runs.
  sim_fault "$sim" '[{"kind": "status", "status": 404, "count": 1, "method": "GET",
                      "path_suffix": "/my-function/versions/latest"}]'
  act_example "$work" "$logs" "$job_image" "$key" after-deploy-failing 1 workflow_dispatch \
    after-deploy.yml "Scaling step: failure" "Version: not resolved" "Smoke test: not run" \
    "Retired: none" "Bounds set back after a failure: false"
  sim_expect "$sim" "$key" $fn "$new" 0..1
  act_example "$work" "$logs" "$job_image" "$key" after-deploy 0 workflow_dispatch after-deploy.yml \
    "Scaling step: success" "Version: $new" "Smoke test: passed" "  short clip: passed (job " \
    "  silence: passed (job " "Retired: $old (minimum was 1)"
  sim_expect "$sim" "$key" $fn "$new" 1..4
  sim_expect "$sim" "$key" $fn "$old" 0..2
  act_example "$work" "$logs" "$job_image" "$key" morning-scale-up 0 schedule morning-scale-up.yml
  sim_expect "$sim" "$key" $fn "$new" 2..10
  act_example "$work" "$logs" "$job_image" "$key" nightly-scale-down 0 schedule nightly-scale-down.yml
  sim_expect "$sim" "$key" $fn "$new" 0..10
  # The reusable workflow through its caller; the caller's report reads its outputs.
  act_example "$work" "$logs" "$job_image" "$key" reusable-caller 0 workflow_dispatch \
    reusable-caller.yml "Version $new now keeps 2 to 10 replicas."
  sim_expect "$sim" "$key" $fn "$new" 2..10
  # By hand (dry-run defaults to true): nothing is sent. Scheduled: no inputs, so no dry run.
  act_example "$work" "$logs" "$job_image" "$key" fleet-dry-run 0 workflow_dispatch fleet.yml \
    "my-org/transcribe@latest: would change to minimum 0, no maximum" \
    "my-org/diarize@latest: would change to minimum 0, maximum 2" \
    "my-org/embed@1a2b3c4d: would change to minimum 0, maximum 1"
  sim_expect "$sim" "$key" my-org/transcribe "$transcribe" 1..none
  sim_expect "$sim" "$key" my-org/diarize "$diarize" 1..3
  sim_expect "$sim" "$key" my-org/embed "$embed" 1..1
  act_example "$work" "$logs" "$job_image" "$key" fleet 0 schedule fleet.yml \
    "my-org/transcribe@latest: changed to minimum 0, no maximum" \
    "my-org/diarize@latest: changed to minimum 0, maximum 2" \
    "my-org/embed@1a2b3c4d: changed to minimum 0, maximum 1"
  sim_expect "$sim" "$key" my-org/transcribe "$transcribe" 0..none
  sim_expect "$sim" "$key" my-org/diarize "$diarize" 0..2
  sim_expect "$sim" "$key" my-org/embed "$embed" 0..1
  # The undo, by hand with the `retired` output after-deploy wrote: $old back to its
  # minimum 1, the version that replaced it to minimum 0 (its maximum stays).
  printf '{"inputs": {"retired": "[{\\"version_id\\": \\"%s\\", \\"previous_min_replicas\\": 1}]", "version": "%s"}}\n' \
    "$old" "$new" >"$logs/undo-event.json"
  ACT_EVENT_FILE=$logs/undo-event.json act_example "$work" "$logs" "$job_image" "$key" undo 0 \
    workflow_dispatch undo.yml "Undo step: success" "Version $new: minimum 2 → 0" \
    "Version $old: minimum 0 → 1"
  sim_expect "$sim" "$key" $fn "$new" 0..10
  sim_expect "$sim" "$key" $fn "$old" 1..2
  # Capacity on a clock, by hand, with a file where the example's checkout would put
  # it: transcribe warm all day, every day (its maximum left as it is).
  printf 'functions:\n  my-org/transcribe:\n    min: 0\n    windows:\n      - {days: daily, from: "00:00", to: "24:00", min: 1}\n' \
    >"$work/.github/sieve-capacity.yml"
  act_example "$work" "$logs" "$job_image" "$key" capacity 0 workflow_dispatch capacity.yml
  sim_expect "$sim" "$key" my-org/transcribe "$transcribe" 1..none
  say "every example ran under act in $(since "$start") s"
}
