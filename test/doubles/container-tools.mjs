#!/usr/bin/env node
// A double for `aws`, `docker` and `podman` (linked under those names): appends
// {program, argv, stdin} to $AMPA_DOUBLES_DIR/calls.jsonl. `aws ecr get-login-password`
// prints a token; `aws cloudformation describe-stacks` prints $CONTAINER_DOUBLE_REPOSITORY.
import { appendFileSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";

const dir = process.env.AMPA_DOUBLES_DIR;
if (!dir) {
  process.stderr.write("AMPA_DOUBLES_DIR is not set\n");
  process.exit(90);
}
const program = basename(process.argv[1] ?? "");
const argv = process.argv.slice(2);
const login = program !== "aws" && argv[0] === "login";
const stdin = login ? readFileSync(0, "utf8") : undefined;
appendFileSync(join(dir, "calls.jsonl"), `${JSON.stringify({ program, argv, stdin })}\n`);
if (program === "aws" && argv[1] === "get-login-password") process.stdout.write("ecr-token-123\n");
if (program === "aws" && argv[1] === "describe-stacks")
  process.stdout.write(`${process.env.CONTAINER_DOUBLE_REPOSITORY ?? "None"}\n`);
if (process.env.CONTAINER_DOUBLE_FAIL === `${program} ${argv[0]}`) process.exit(3);
