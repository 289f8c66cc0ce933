#!/usr/bin/env python3
"""A fake ``docker`` CLI for the Docker-mode lifecycle tests: an engine whose state is a JSON file.

``FAKE_DOCKER_STATE`` names the file. Keys: ``compose`` (plugin installed), ``images`` (present
locally), ``pullable`` (can be pulled), ``containers`` / ``networks`` / ``volumes`` (of the compose
project), ``running`` (containers that run), ``up_fails`` (output of a failing ``compose up``, which
leaves a container behind as the real one does), ``down_fails``, ``encoding`` (of the search
database), ``architecture``, ``in_use`` (images a container uses: ``image rm`` refuses them).
Every call is appended to ``calls``.
"""

import json
import os
import sys

path = os.environ["FAKE_DOCKER_STATE"]
with open(path) as f:
    state = json.load(f)
args = sys.argv[1:]
state.setdefault("calls", []).append(args)


def finish(code: int = 0, out: str = "", err: str = "") -> None:
    with open(path, "w") as f:
        json.dump(state, f)
    sys.stdout.write(out)
    sys.stderr.write(err)
    sys.exit(code)


if args[:1] == ["info"]:
    finish(0, (state.get("architecture", "x86_64") if "{{.Architecture}}" in args else "24.0.7") + "\n")
if args[:1] == ["compose"]:
    if not state.get("compose", True):
        finish(1, err="docker: 'compose' is not a docker command.\n")
    rest = [a for a in args[1:]]
    while rest and rest[0] in ("--project-name", "-f"):
        rest = rest[2:]
    command = rest[0] if rest else ""
    if command == "version":
        finish(0, "2.26.1\n")
    if command == "up":
        state["networks"] = ["net1"]
        state["volumes"] = ["file-upload-extraction_localstack-data", "file-upload-extraction_postgres-data"]
        if state.get("up_fails"):
            state["containers"] = ["postgres1"]
            state["running"] = ["postgres1"]
            finish(1, state["up_fails"] + "\n")
        state["containers"] = state["running"] = ["postgres1", "localstack1"]
        finish(0, " Container file-upload-extraction-localstack-1  Healthy\n")
    if command == "down":
        if state.get("down_fails"):
            finish(1, err=state["down_fails"] + "\n")
        state["containers"], state["running"], state["networks"] = [], [], []
        if "--volumes" in rest:
            state["volumes"] = []
        finish(0)
    if command == "exec":
        finish(0, state.get("encoding", "UTF8") + "\n")
    if command == "ps" and "{{.Health}}" in rest:
        health = state.get("health", ["healthy"])
        finish(0, (health.pop(0) if len(health) > 1 else health[0]) + "\n")
    if command in ("logs", "ps"):
        finish(0, "localstack-1  | Ready.\n")
    if command in ("stop", "start"):
        finish(0)
    finish(2, err=f"fake docker: unknown compose command {rest}\n")
if args[:1] == ["ps"]:
    finish(0, "".join(c + "\n" for c in state.get("containers" if "--all" in args else "running", [])))
if args[:2] in (["network", "ls"], ["volume", "ls"]):
    finish(0, "".join(c + "\n" for c in state.get(args[0] + "s", [])))
if args[:2] == ["image", "inspect"]:
    image = args[-1]
    if image in state.get("images", []):
        finish(0, f"sha256:{abs(hash(image))}\n")
    finish(1, err=f"Error: No such image: {image}\n")
if args[:1] == ["pull"]:
    if args[-1] in state.get("pullable", []):
        state.setdefault("images", []).append(args[-1])
        finish(0)
    finish(
        1,
        err='Error response from daemon: Get "https://registry-1.docker.io/v2/": dial tcp: lookup '
        "registry-1.docker.io on 127.0.0.53:53: no such host\n",
    )
if args[:2] == ["image", "ls"]:
    repository = args[-1]
    finish(0, "".join(i + "\n" for i in state.get("images", []) if i.startswith(repository + ":")))
if args[:2] == ["image", "rm"]:
    image = args[-1]
    if image in state.get("in_use", []):
        finish(1, err=f'Error response from daemon: conflict: unable to remove repository reference "{image}"\n')
    state["images"] = [i for i in state.get("images", []) if i != image]
    finish(0, f"Untagged: {image}\n")
if args[:1] == ["build"]:
    state.setdefault("images", []).append(args[args.index("--tag") + 1])
    finish(0, "sha256:built\n")
finish(2, err=f"fake docker: unknown command {args}\n")
