#!/usr/bin/python3
"""Submits a dossier to motcuad, hands it over, and follows its events.

The whole life of a client in one page:

  1. Submit a dossier (tiếp nhận) with a request_id and print its due time.
  2. Submit it again with the same request_id, as a client does when it never
     saw the first answer: the server answers `repeated` and appends nothing.
  3. Hand it over to the next step of its procedure.
  4. Follow the event log with WatchEvents from sequence 0, filtered to the
     dossier's agency, printing this dossier's events until the hand-over.

Run ./generate.sh first, then:

  /usr/bin/python3 follow_dossier.py --address 127.0.0.1:50051 --token TOKEN

Exit status: 0 when the hand-over was seen, 1 when a call failed (the gRPC
status code and details are printed), 2 for a usage error.

Use /usr/bin/python3: the modules come from Debian's python3-grpcio and
python3-protobuf, which another python3 earlier on PATH may not see.
"""

import argparse
import os
import random
import sys
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

try:
    import grpc
except ImportError:
    sys.exit("follow_dossier.py: no grpc module: apt-get install python3-grpcio "
             "and run this with /usr/bin/python3")

# The generated modules: from examples/python/generated/ by default (what
# ./generate.sh writes). A directory on PYTHONPATH comes first, so a build
# can point at modules it generated elsewhere.
sys.path.append(str(Path(__file__).resolve().parent / "generated"))
try:
    from motcua.v1 import service_pb2, service_pb2_grpc
except ImportError as error:
    sys.exit(f"follow_dossier.py: cannot import the generated modules ({error}): "
             "run ./generate.sh first")

EXIT_OK = 0
EXIT_CALL_FAILED = 1
EXIT_USAGE = 2

# Vietnam keeps UTC+7 all year (no daylight saving): the server sends
# instants, and a client shows them at the calendar's offset.
VIETNAM_TIME = timezone(timedelta(hours=7), "ICT")

# How long one unary call may take before the client gives up on it.
CALL_TIMEOUT_SECONDS = 10.0

# The two codes the API documents as "try again later": the server is not
# reachable or is stopping (UNAVAILABLE), or its writer queue is full
# (RESOURCE_EXHAUSTED). Retrying a command is safe only because it carries a
# request_id: a retry of a command that did go through is answered with the
# first answer and appends nothing.
RETRYABLE_CODES = (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.RESOURCE_EXHAUSTED)
MAX_ATTEMPTS = 6
FIRST_BACKOFF_SECONDS = 0.2
MAX_BACKOFF_SECONDS = 5.0


def backoff_delays():
    """Yields the pause before each retry: exponential, with jitter so that
    many clients refused together do not all come back at the same instant."""
    ceiling = FIRST_BACKOFF_SECONDS
    for _ in range(MAX_ATTEMPTS - 1):
        yield random.uniform(ceiling / 2, ceiling)
        ceiling = min(ceiling * 2, MAX_BACKOFF_SECONDS)


def call_with_retry(method, request, metadata):
    """Calls a unary method, retrying with back-off on the retryable codes.

    The same request object, hence the same request_id, goes out on every
    attempt. Raises the last grpc.RpcError when the call fails for another
    reason or the attempts run out.
    """
    for delay in backoff_delays():
        try:
            return method(request, metadata=metadata, timeout=CALL_TIMEOUT_SECONDS)
        except grpc.RpcError as error:
            if error.code() not in RETRYABLE_CODES:
                raise
            print(f"  {error.code().name}: {error.details()} "
                  f"(retrying in {delay:.1f}s with the same request_id)")
            time.sleep(delay)
    # The last attempt: its failure, whatever it is, goes to the caller.
    return method(request, metadata=metadata, timeout=CALL_TIMEOUT_SECONDS)


def local_time(timestamp):
    """A google.protobuf.Timestamp as Vietnam's local time, for people."""
    instant = timestamp.ToDatetime(tzinfo=timezone.utc)
    return instant.astimezone(VIETNAM_TIME).strftime("%Y-%m-%d %H:%M (%a) UTC+07:00")


def submit(dossiers, metadata, args):
    """Steps 1 and 2: the receipt, then the same request again."""
    request = service_pb2.SubmitRequest(
        dossier_code=args.code,
        procedure_code=args.procedure,
        agency=args.agency,
        channel=service_pb2.CHANNEL_ONLINE,
        summary="Example dossier submitted by follow_dossier.py",
        # One request_id per command, chosen by the client before the first
        # attempt and kept for every retry of that command.
        options=service_pb2.CommandOptions(request_id=str(uuid.uuid4())),
    )
    request.received_at.GetCurrentTime()

    print(f"submitting dossier {args.code} (procedure {args.procedure}, "
          f"agency {args.agency}) with request_id {request.options.request_id}")
    reply = call_with_retry(dossiers.Submit, request, metadata)
    dossier = reply.dossier
    print(f"  received: version {dossier.version}, "
          f"step {dossier.current_step} at {dossier.current_unit}")
    print(f"  due at {local_time(dossier.due_at)}")

    # A client that lost the first answer (a timeout, a dropped connection)
    # sends the very same request again. Nothing is appended twice.
    print("submitting again with the same request_id, as a retry would")
    again = call_with_retry(dossiers.Submit, request, metadata)
    print(f"  repeated: {again.repeated} "
          f"(still version {again.dossier.version}, nothing appended)")
    if not again.repeated:
        raise SystemExit("follow_dossier.py: expected the retry to be answered "
                         "as repeated")
    return dossier


def hand_over(dossiers, metadata, dossier):
    """Step 3: hand the dossier to the next step of its procedure."""
    request = service_pb2.ActRequest(
        dossier_code=dossier.code,
        options=service_pb2.CommandOptions(
            request_id=str(uuid.uuid4()),
            # Refused with ABORTED if someone else acted on the dossier since
            # we read it: re-read it and decide again rather than retry.
            expected_version=dossier.version,
        ),
        # An empty HandOver goes to the next step and its unit.
        hand_over=service_pb2.HandOver(note="handed over by follow_dossier.py"),
    )
    print(f"handing over from step {dossier.current_step} to the next step")
    reply = call_with_retry(dossiers.Act, request, metadata)
    now = reply.dossier
    print(f"  now at step {now.current_step}, unit {now.current_unit}, "
          f"step due at {local_time(now.current_step_due_at)}")


def follow_events(supervision, metadata, dossier_code, agency, timeout_seconds):
    """Step 4: prints the dossier's events until its hand-over.

    WatchEvents sends the log's history from after_sequence, then live events,
    in log order. If the stream breaks with a retryable code, it resumes after
    the last event received, so nothing is missed and nothing is printed
    twice. Raises grpc.RpcError on failure (DEADLINE_EXCEEDED when the
    hand-over was not seen within timeout_seconds).
    """
    print(f"following events of agency {agency} from sequence 0")
    deadline = time.monotonic() + timeout_seconds
    after_sequence = 0
    delays = backoff_delays()
    while True:
        request = service_pb2.WatchRequest(after_sequence=after_sequence,
                                           agency=agency)
        stream = supervision.WatchEvents(
            request, metadata=metadata,
            timeout=max(deadline - time.monotonic(), 0.0))
        try:
            for event in stream:
                after_sequence = event.sequence
                # The agency filter runs on the server; other dossiers of the
                # same agency still come through.
                if event.dossier_code != dossier_code:
                    continue
                print(f"  sequence {event.sequence:<6} {event.type:<14} "
                      f"{event.description}")
                if event.type == "handed_over":
                    return
            raise SystemExit("follow_dossier.py: the event stream ended "
                             "before the hand-over")
        except grpc.RpcError as error:
            delay = next(delays, None)
            if error.code() not in RETRYABLE_CODES or delay is None:
                raise
            print(f"  {error.code().name}: {error.details()} "
                  f"(resuming after sequence {after_sequence} in {delay:.1f}s)")
            time.sleep(delay)
        finally:
            # Leaving the loop early (the hand-over seen) must end the call on
            # the server too.
            stream.cancel()


def parse_args():
    parser = argparse.ArgumentParser(
        description="Submit a dossier to motcuad, hand it over, and follow "
                    "its events until the hand-over.")
    parser.add_argument(
        "--address", default=os.environ.get("MOTCUA_ADDRESS", "127.0.0.1:50051"),
        help="motcuad's gRPC address, host:port (default: $MOTCUA_ADDRESS "
             "or 127.0.0.1:50051)")
    parser.add_argument(
        "--token", default=os.environ.get("MOTCUA_TOKEN"),
        help="bearer token (default: $MOTCUA_TOKEN); motcuad without --tokens "
             "prints a development token and writes it to DATA_DIR/dev-token")
    parser.add_argument(
        "--code",
        default="VD-" + datetime.now(VIETNAM_TIME).strftime("%Y%m%d-%H%M%S-")
        + uuid.uuid4().hex[:6],
        help="dossier code, unique across all channels (default: a new one)")
    parser.add_argument(
        "--procedure", default="2.000635",
        help="procedure code from the server's rules (default: 2.000635)")
    parser.add_argument(
        "--agency", default="ubnd-phuong-ben-nghe",
        help="receiving agency (default: ubnd-phuong-ben-nghe)")
    parser.add_argument(
        "--watch-timeout", type=float, default=30.0, metavar="SECONDS",
        help="give up following the events after this long (default: 30)")
    args = parser.parse_args()
    if not args.token:
        parser.error("no token: pass --token or set MOTCUA_TOKEN "
                     "(motcuad prints one; it is also in DATA_DIR/dev-token)")
    return args


def main():
    args = parse_args()  # exits with EXIT_USAGE (2) on a usage error
    # One line at a time, even into a pipe: events show as they arrive.
    sys.stdout.reconfigure(line_buffering=True)
    # Every call carries the token as gRPC metadata.
    metadata = (("authorization", f"Bearer {args.token}"),)

    # Plain TCP, as motcuad serves without TLS configured. With TLS, use
    # grpc.secure_channel(args.address, grpc.ssl_channel_credentials(ca_pem)).
    with grpc.insecure_channel(args.address) as channel:
        # Python's gRPC works on a channel's connection only while a call or
        # a subscription is active. Subscribing for the channel's lifetime
        # keeps it reconnecting while we back off, so that a retry finds the
        # server as soon as it is back rather than at the next attempt.
        channel.subscribe(lambda connectivity: None, try_to_connect=True)
        dossiers = service_pb2_grpc.DossiersStub(channel)
        supervision = service_pb2_grpc.SupervisionStub(channel)
        try:
            dossier = submit(dossiers, metadata, args)
            hand_over(dossiers, metadata, dossier)
            follow_events(supervision, metadata, dossier.code, dossier.agency,
                          args.watch_timeout)
        except grpc.RpcError as error:
            # A failed call raises an RpcError that is also a grpc.Call: it
            # carries the status code and the server's details.
            print(f"follow_dossier.py: call failed: {error.code().name}: "
                  f"{error.details()}", file=sys.stderr)
            return EXIT_CALL_FAILED
    print("seen the hand-over: done")
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
