"""Drives a kvs-clip server with boto3 (Debian's python3-boto3): one run makes every call the
test checks, so Python starts once. Usage: kvs-boto3.py <endpoint> <throttling endpoint> <stream> <out dir>.
Prints one JSON object; media bodies go to files in <out dir>."""
import json
import os
import sys

import boto3
from botocore.config import Config

endpoint, throttling_endpoint, stream, out = sys.argv[1:5]
config = Config(retries={"total_max_attempts": 1})


def client(service, url=endpoint):
    return boto3.client(service, endpoint_url=url, region_name="us-east-1", config=config)


def error_of(call):
    """The class name and message of the error a call raises (None if it succeeds)."""
    try:
        call()
    except Exception as error:  # noqa: BLE001 - the class is what the test checks
        return {"class": type(error).__name__, "code": error.response["Error"]["Code"], "status": error.response["ResponseMetadata"]["HTTPStatusCode"]}
    return None


def continuation_tokens(body):
    """The value of every AWS_KINESISVIDEO_CONTINUATION_TOKEN SimpleTag: the TagString (0x4487) after the name."""
    tokens, at = [], 0
    while True:
        at = body.find(b"AWS_KINESISVIDEO_CONTINUATION_TOKEN", at)
        if at < 0:
            return tokens
        at = body.index(b"\x44\x87", at) + 2
        length = 8 - (body[at].bit_length() - 1) if body[at] else 0
        size = int.from_bytes(body[at:at + length], "big") & ((1 << (7 * length)) - 1)
        tokens.append(body[at + length:at + length + size].decode())
        at += length + size


kv = client("kinesisvideo")
archived = client("kinesis-video-archived-media")
media = client("kinesis-video-media")
result = {}

result["streams"] = [info["StreamName"] for info in kv.list_streams()["StreamInfoList"]]
result["dataEndpoint"] = kv.get_data_endpoint(StreamName=stream, APIName="GET_MEDIA")["DataEndpoint"]

pages, fragments, token = 0, [], None
while True:
    page = archived.list_fragments(StreamName=stream, MaxResults=2, **({"NextToken": token} if token else {}))
    pages += 1
    fragments += page["Fragments"]
    token = page.get("NextToken")
    if not token:
        break
result["pages"] = pages
result["fragments"] = [
    {"number": f["FragmentNumber"], "producerMs": round(f["ProducerTimestamp"].timestamp() * 1000), "serverMs": round(f["ServerTimestamp"].timestamp() * 1000), "size": f["FragmentSizeInBytes"]}
    for f in fragments
]
paginated = archived.get_paginator("list_fragments").paginate(StreamName=stream, PaginationConfig={"PageSize": 3})
result["paginated"] = [f["FragmentNumber"] for page in paginated for f in page["Fragments"]]

asked = [f["FragmentNumber"] for f in reversed(fragments)]
with open(os.path.join(out, "list.mkv"), "wb") as file:
    file.write(archived.get_media_for_fragment_list(StreamName=stream, Fragments=asked)["Payload"].read())
result["asked"] = asked

first, last = fragments[1]["ServerTimestamp"], fragments[-1]["ServerTimestamp"]
clip = archived.get_clip(StreamName=stream, ClipFragmentSelector={"FragmentSelectorType": "SERVER_TIMESTAMP", "TimestampRange": {"StartTimestamp": first, "EndTimestamp": last}})
result["clipType"] = clip["ContentType"]
with open(os.path.join(out, "clip.mp4"), "wb") as file:
    file.write(clip["Payload"].read())

earliest = media.get_media(StreamName=stream, StartSelector={"StartSelectorType": "EARLIEST"})["Payload"].read()
tokens = continuation_tokens(earliest)
resumed = media.get_media(StreamName=stream, StartSelector={"StartSelectorType": "CONTINUATION_TOKEN", "ContinuationToken": tokens[1]})["Payload"].read()
with open(os.path.join(out, "resumed.mkv"), "wb") as file:
    file.write(resumed)
result["tokens"] = tokens

result["errors"] = {
    "unknownStream": error_of(lambda: archived.list_fragments(StreamName="nope")),
    "hugeMaxResults": error_of(lambda: archived.list_fragments(StreamName=stream, MaxResults=5000)),
    "badSelector": error_of(lambda: media.get_media(StreamName=stream, StartSelector={"StartSelectorType": "SOMETIME"})),
    "unknownFragments": error_of(lambda: archived.get_media_for_fragment_list(StreamName=stream, Fragments=["1", "2"])),
    "emptyRange": error_of(
        lambda: archived.get_clip(StreamName=stream, ClipFragmentSelector={"FragmentSelectorType": "SERVER_TIMESTAMP", "TimestampRange": {"StartTimestamp": 1, "EndTimestamp": 2}})
    ),
    "outsideFolder": error_of(lambda: kv.describe_stream(StreamName="../cam")),
    "throttled": error_of(lambda: client("kinesis-video-archived-media", throttling_endpoint).list_fragments(StreamName=stream)),
}
print(json.dumps(result))
