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
# The capacity review's two workflows run against the fake GitHub (testkit/github.py):
# act's github context takes GITHUB_API_URL and GITHUB_REPOSITORY from `--env`, and
# `github.token` from the GITHUB_TOKEN secret; the comments are read back from the fake.

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
# `inputs`). ACT_SECRETS (lines NAME=VALUE) replaces the secrets, which are otherwise
# SIEVE_API_KEY=KEY; none of their values may show either. ACT_ENV (words NAME=VALUE)
# adds variables to act's environment (`--env`).
act_example() {
  local work=$1 logs=$2 job_image=$3 key=$4 label=$5 expected=$6 event=$7 workflow=$8 rc line
  shift 8
  local log="$logs/act-$label.log" start secrets pair envs=()
  secrets=${ACT_SECRETS-SIEVE_API_KEY=$key}
  for pair in ${ACT_ENV:-}; do envs+=(--env "$pair"); done
  start=$(now)
  set +e
  (
    cd "$work"
    HOME=$logs/home ACT_DISABLE_VERSION_CHECK=1 timeout 300 "$ACT" "$event" \
      -W ".github/workflows/$workflow" -P "ubuntu-24.04=$job_image" --pull=false -b \
      --no-cache-server --container-daemon-socket - ${ACT_EVENT_FILE:+-e "$ACT_EVENT_FILE"} \
      "${envs[@]}" --secret-file <(printf '%s\n' "$secrets") </dev/null
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
  while IFS= read -r pair; do
    if [ -n "${pair#*=}" ] && grep -qF -- "${pair#*=}" "$log"; then
      die "example $label: the secret ${pair%%=*} appears in act's log"
    fi
  done <<<"$secrets"
}

# fake_push URL OWNER/NAME NUMBER SHA: pull request NUMBER on the fake GitHub, its head
# at SHA (made, or pushed to), through its control endpoint.
fake_push() {
  python3 - "$@" <<'PY'
import json, sys, urllib.request
url, repo, number, sha = sys.argv[1:]
body = {"repo": repo, "number": int(number), "head_sha": sha}
request = urllib.request.Request(f"{url}/_fake/pulls", json.dumps(body).encode(), method="POST")
urllib.request.urlopen(request, timeout=10).read()
PY
}

# review_expect URL OWNER/NAME NUMBER KEY [--none | [--id ID] [--equals FILE] TEXT...]: the
# pull request's comments on the fake GitHub are none (--none), or exactly one, written by
# the job's token, that is comment ID (the same one, updated in place), whose body is
# FILE's (a review another job kept), holds every TEXT, and never KEY. Prints the
# comment's id; says what is wrong on stderr and fails otherwise.
review_expect() {
  SIM_KEY=$4 python3 - "$@" <<'PY'
import json, os, sys, urllib.parse, urllib.request
url, repo, number, _ = sys.argv[1:5]
rest, key = sys.argv[5:], os.environ["SIM_KEY"]
query = urllib.parse.urlencode({"repo": repo, "number": number})
found = json.load(urllib.request.urlopen(f"{url}/_fake/comments?{query}", timeout=10))
where = f"{repo}#{number}"
def fail(why):
    sys.exit(f"{where}: {why}")
if rest == ["--none"]:
    if found:
        fail(f"{len(found)} comment(s), expected none")
    sys.exit(0)
if len(found) != 1:
    fail(f"{len(found)} comments, expected exactly one")
(comment,), body = found, found[0]["body"]
if key in body:
    fail("the API key is in the comment")
if comment["author"] != "github-actions[bot]":
    fail(f"the comment is {comment['author']}'s, not the job token's")
while rest and rest[0] in {"--id", "--equals"}:
    option, value, rest = rest[0], rest[1], rest[2:]
    if option == "--id" and str(comment["id"]) != value:
        fail(f"the comment is a new one ({comment['id']}), not {value} updated in place")
    if option == "--equals" and body != open(value, encoding="utf-8").read().rstrip():
        fail(f"the comment is not {value} as the review job kept it")
for text in rest:
    if text not in body:
        fail(f"the comment has no {text!r}; it reads:\n{body}")
print(comment["id"])
PY
}

# act_notice LOGDIR LABEL TEXT: example LABEL's run gave a notice (what the step says
# about its comment) holding TEXT.
act_notice() {
  grep -F '::notice title=sieve-action::' "$1/act-$2.log" | grep -qF -- "$3" \
    || die "example $2: no notice saying '$3' in act's log"
}

# fake_requests_expect URL: what the fake GitHub was asked, in all: every request let in
# (no 401, 404 or 5xx), a 403 only for a write (the fork's token), and exactly two comments
# created, one on each pull request (every later review updated one in place).
fake_requests_expect() {
  python3 - "$1" <<'PY'
import collections, json, sys, urllib.request
seen = json.load(urllib.request.urlopen(f"{sys.argv[1]}/_fake/requests", timeout=10))
wrong = [r for r in seen if r["status"] not in {200, 201, 403}
         or (r["status"] == 403 and r["method"] not in {"POST", "PATCH"})]
if wrong:
    sys.exit(f"the fake GitHub refused: {wrong}")
created = collections.Counter(r["path"] for r in seen if r["method"] == "POST" and r["status"] == 201)
expected = {f"/repos/acme/app/issues/{n}/comments": 1 for n in (7, 8)}
if created != expected:
    sys.exit(f"comments created: {dict(created)}, expected one on each of #7 and #8")
print(len(seen))
PY
}

# capacity_file MIN: a capacity file that keeps my-org/transcribe at MIN warm replicas
# 09:00-17:00 UTC every day (56 × MIN replica-hours a week, in UTC whatever the date), at
# $0.50 a replica-hour.
capacity_file() {
  printf 'timezone: UTC\nprices:\n  functions: {my-org/transcribe: 0.5}\nfunctions:\n'
  printf '  my-org/transcribe:\n    min: 0\n    windows:\n'
  printf '      - {days: daily, from: "09:00", to: "17:00", min: %s}\n' "$1"
}

# pr_event FILE NUMBER HEAD_SHA FORK: a pull_request event (synchronize) for acme/app, from
# a fork (FORK true: contributor/app) or from a branch of acme/app itself.
pr_event() {
  local head_repo=acme/app
  [ "$4" = true ] && head_repo=contributor/app
  printf '{"action": "synchronize", "number": %s, "pull_request": {"number": %s,
  "head": {"sha": "%s", "ref": "more-capacity", "repo": {"full_name": "%s", "fork": %s}},
  "base": {"sha": "6dcb09b5b57875f334f61aebed695e2e4193db5e", "ref": "main",
           "repo": {"full_name": "acme/app", "fork": false}}},
  "repository": {"full_name": "acme/app", "default_branch": "main"}}\n' \
    "$2" "$2" "$3" "$head_repo" "$4" >"$1"
}

# run_event FILE HEAD_SHA RUN_ID: the workflow_run event of a capacity review that ran for
# a fork's pull request at HEAD_SHA.
run_event() {
  printf '{"action": "completed", "workflow_run": {"id": %s, "name": "Capacity review",
  "event": "pull_request", "status": "completed", "conclusion": "success",
  "head_sha": "%s", "head_branch": "more-capacity", "pull_requests": [],
  "head_repository": {"full_name": "contributor/app", "fork": true}},
  "repository": {"full_name": "acme/app", "default_branch": "main"}}\n' "$3" "$2" >"$1"
}

# commit_sha TEXT: a made-up commit's 40 hex digits.
commit_sha() { printf '%s' "$1" | sha1sum | cut -c1-40; }

# run_review_examples WORK LOGDIR JOBIMAGE KEY GITHUB_URL TOKEN FORK_TOKEN: the capacity
# review (capacity-review.yml, then capacity-review-post.yml for a fork) against the fake
# GitHub, with no Sieve key (a fork gets no secrets): TOKEN writes, FORK_TOKEN only reads.
# The files are written where the example's two checkouts put them; each push is a new
# head commit on the fake and in the event.
run_review_examples() {
  local work=$1 logs=$2 job_image=$3 key=$4 github=$5 token=$6 fork_token=$7
  local repo=acme/app review=capacity-review.yml post=capacity-review-post.yml
  local id head first="" n min
  local within="is within <code>max-weekly-increase</code> (200 replica-hours)"
  local ACT_ENV="GITHUB_API_URL=$github GITHUB_REPOSITORY=$repo" ACT_SECRETS="GITHUB_TOKEN=$token"
  mkdir -p "$work/base/.github"
  capacity_file 1 >"$work/base/.github/sieve-capacity.yml"
  rm -rf "$work/sieve-review"

  # A pull request from a branch of the repository (#7): one comment, and a second push
  # updates that same comment.
  head=$(commit_sha 7-first)
  capacity_file 2 >"$work/.github/sieve-capacity.yml"
  fake_push "$github" $repo 7 "$head"
  pr_event "$logs/pr-7.json" 7 "$head" false
  ACT_EVENT_FILE=$logs/pr-7.json act_example "$work" "$logs" "$job_image" "$key" review 0 \
    pull_request $review
  act_notice "$logs" review "The review comment on $repo#7 was created"
  id=$(review_expect "$github" $repo 7 "$key" \
    "**+56 replica-hours a week** of warm minimum (56 → 112), **+\$28.00 a week** (\$28.00 → \$56.00)" \
    "56 → 112 replica-hours (+56) | \$28.00 → \$56.00 (+\$28.00)" \
    "Every difference over the coming 7 days" '```mermaid' "✅ +56 replica-hours a week $within" \
    "head commit $head") || die "example review: the pull request's comment is wrong (above)"
  [ ! -e "$work/sieve-review" ] || die "example review: a branch's pull request kept its review for posting"
  ! grep -qF upload-artifact "$logs/act-review.log" || die "example review: a branch's pull request uploaded its review"
  head=$(commit_sha 7-second)
  capacity_file 3 >"$work/.github/sieve-capacity.yml"
  fake_push "$github" $repo 7 "$head"
  pr_event "$logs/pr-7.json" 7 "$head" false
  ACT_EVENT_FILE=$logs/pr-7.json act_example "$work" "$logs" "$job_image" "$key" review-pushed 0 \
    pull_request $review
  act_notice "$logs" review-pushed "The review comment on $repo#7 was updated in place"
  review_expect "$github" $repo 7 "$key" --id "$id" "(56 → 168)" "\$28.00 → \$84.00 (+\$56.00)" \
    '```mermaid' "head commit $head" >/dev/null \
    || die "example review-pushed: the second push did not update the one comment (above)"

  # A fork's pull request (#8): its read-only token cannot comment, so the job keeps the
  # review, and the posting workflow, with the base repository's token, posts it while
  # its commit is the head; the second push's review updates that comment.
  id=""
  for n in 1 2; do
    min=$((n + 1))
    head=$(commit_sha "8-$n")
    capacity_file $min >"$work/.github/sieve-capacity.yml"
    fake_push "$github" $repo 8 "$head"
    pr_event "$logs/pr-8.json" 8 "$head" true
    rm -rf "$work/sieve-review"
    ACT_SECRETS="GITHUB_TOKEN=$fork_token" ACT_EVENT_FILE=$logs/pr-8.json act_example "$work" "$logs" \
      "$job_image" "$key" "review-fork-$n" 0 pull_request $review \
      "[act] skipped: actions/upload-artifact"  # the upload step's `if:` held
    act_notice "$logs" "review-fork-$n" "No comment on $repo#8"
    act_notice "$logs" "review-fork-$n" 'on a pull request from a fork, a `workflow_run` job posts it'
    if [ -z "$id" ]; then
      review_expect "$github" $repo 8 "$key" --none || die "example review-fork-$n: a fork's token commented (above)"
    else  # the comment the first push's review was posted as, as it was
      review_expect "$github" $repo 8 "$key" --id "$id" --equals "$logs/review-8-$((n - 1)).md" >/dev/null \
        || die "example review-fork-$n: a fork's token changed the comment (above)"
    fi
    [ -s "$work/sieve-review/review.md" ] || die "example review-fork-$n: no sieve-review/review.md kept"
    [ "$(cat "$work/sieve-review/pull-request")" = 8 ] \
      || die "example review-fork-$n: sieve-review/pull-request does not hold 8"
    grep -qF "head commit $head" "$work/sieve-review/review.md" \
      || die "example review-fork-$n: the kept review is not of the head commit"
    ! grep -qF -- "$key" "$work/sieve-review/review.md" || die "example review-fork-$n: the key is in the kept review"
    cp "$work/sieve-review/review.md" "$logs/review-8-$n.md"
    run_event "$logs/run-8.json" "$head" "$((4200 + n))"
    ACT_EVENT_FILE=$logs/run-8.json act_example "$work" "$logs" "$job_image" "$key" "review-post-$n" 0 \
      workflow_run $post
    act_notice "$logs" "review-post-$n" "The review comment on $repo#8 was $([ "$n" = 1 ] && echo created || echo updated in place)"
    id=$(review_expect "$github" $repo 8 "$key" ${id:+--id "$id"} --equals "$logs/review-8-$n.md" \
      "(56 → $((56 * min)))" '```mermaid' "head commit $head") \
      || die "example review-post-$n: the fork's review is not the one comment, as its job kept it (above)"
    [ -n "$first" ] || first=$head
  done
  # The first push's review, posted late: its commit is no longer the head, so it is not.
  cp "$logs/review-8-1.md" "$work/sieve-review/review.md"
  run_event "$logs/run-8.json" "$first" 4201
  ACT_EVENT_FILE=$logs/run-8.json act_example "$work" "$logs" "$job_image" "$key" review-post-stale 0 \
    workflow_run $post
  act_notice "$logs" review-post-stale "the review of the newer commit will be posted by its own run"
  review_expect "$github" $repo 8 "$key" --id "$id" --equals "$logs/review-8-2.md" >/dev/null \
    || die "example review-post-stale: the review of an older commit replaced the head's (above)"
  n=$(fake_requests_expect "$github") || die "the capacity review's requests to the fake GitHub (above)"
  say "the capacity review: 2 comments kept up to date by 7 runs, $n requests to the fake GitHub"
}

# run_examples WORK LOGDIR BASE SIM_URL KEY GITHUB_URL TOKEN FORK_TOKEN: write the copies into WORK (the release
# commit's work tree) and run them, one after the other (they share the simulator's
# functions, and the order below is the state each expects); the capacity review's
# against the fake GitHub at GITHUB_URL (run_review_examples).
run_examples() {
  local work=$1 logs=$2 base=$3 sim=$4 key=$5 github=$6 token=$7 fork_token=$8 job_image
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
  local reviews_start
  reviews_start=$(now)
  run_review_examples "$work" "$logs" "$job_image" "$key" "$github" "$token" "$fork_token"
  say "the capacity review's examples ran under act in $(since "$reviews_start") s"
  say "every example ran under act in $(since "$start") s"
}
