#!/usr/bin/env python3
"""Writes the seed corpus of build/host/invocation-fuzz (host/fuzz/corpus/).

Each seed is a sequence of steps in the harness's input format (host/fuzz/invocation_fuzz.c:
LLVMFuzzerTestOneInput, step_invoke, gen_args), written for the CSpace variant 0 (the
caller's CTable cap has guard 0/57, so cptr = slot of the root CNode) and the world
build_world() makes:
   2 root CNode (radix 7)   4 IRQControl   5 ASIDControl   7 IOPortControl   11 Domain
  13 SchedControl   16..20 untypeds (2^18, 2^17, 2^16, device 2^15, 2^7)
  24 CNode A (radix 4; A[3] = CNode B under guard 1/2, A[5] = read-only notification)
  25 CNode B (radix 2; B[1] = badged endpoint)   26, 27 endpoints   28, 29 notifications
  30 reply   31 TCB   32 SC   33 frame   34 page table   35 PML4   36 untyped 2^12 (child)
  37 device frame   40 endpoint badge 0x42   41 notification badge 7
  42 read-only endpoint   43 CNode A with guard 5/3   44 IO ports 0x3f8..0x3ff   45 IO port 0x60
Usage: host/fuzz/mkseeds.py [DIR]   (default: host/fuzz/corpus)
"""
import os
import re
import struct
import sys


def labels():
    """The invocation labels, numbered as kernel/abi/pecan/abi.h numbers them."""
    abi = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'kernel', 'abi', 'pecan', 'abi.h')
    text = open(abi).read()
    body = re.search(r'enum pn_invocation_label \{(.*?)\};', text, re.S).group(1)
    names = re.findall(r'^\s*(PN_\w+)', body, re.M)
    return {n: i for i, n in enumerate(names)}


L = labels()
RETYPE = L['PN_UNTYPED_RETYPE']
REVOKE, DELETE, CANCEL, COPY, MINT, MOVE, MUTATE, ROTATE = (
    L['PN_CNODE_' + n] for n in ('REVOKE', 'DELETE', 'CANCEL_BADGED_SENDS', 'COPY', 'MINT', 'MOVE', 'MUTATE', 'ROTATE'))
ISSUE = L['PN_X86_IOPORT_CONTROL_ISSUE']
IN8, IN16, IN32, OUT8, OUT16, OUT32 = (L['PN_X86_IOPORT_' + n] for n in ('IN8', 'IN16', 'IN32', 'OUT8', 'OUT16', 'OUT32'))
assert L['PN_INVOCATION_LABEL_COUNT'] == 59 and REVOKE + 7 == ROTATE and IN8 + 5 == OUT32
# object types
UT, TCB, EP, NTFN, CNODE, SC, REPLY, PDPT, PML4, HUGE, FRAME, LARGE, PT, PD = range(14)
NEVER, ALWAYS, PATTERN = 3, 1, 2
R = 2  # the root CNode's slot


def cptr(slot):
    """Walk one level from the CTable cap, to a slot named by its index."""
    assert slot < 0x80
    return [0x00, slot]


def addr(index):
    """gen_addr: one level below the cap, no corruption."""
    assert index < 0x80
    return [0x00, index, 0x00]


def invoke(service, label, length, args, extras=(), preempt=NEVER, buffer=True):
    flags = (len(extras) << 4) | (0 if buffer else 0x80)
    out = [0x00] + cptr(service) + [flags, label, length]
    for e in extras:
        out += cptr(e)
    return out + [preempt] + args + [0x00]


def retype(ut, typ, bits, dest, count=1, preempt=NEVER):
    n = count if count < 6 else 0xf0 | count.bit_length() - 1
    assert count < 6 or count == 1 << (count.bit_length() - 1)
    return invoke(ut, RETYPE, 6, [typ, bits, 0x01, 0x00, dest, n], extras=[R], preempt=preempt)


def badge(b):
    assert b < 64
    return [b << 2]


def guard(size, value):
    assert value < 64
    return [0x01, size, value]


def cnode_op(label, dest, src=0, rights=0xf, data=(0x03,), service=R, length=None, preempt=NEVER):
    """A CNode method: dest relative to the service CNode, src relative to the root CNode;
    data is a gen_data encoding (0x03: 0; badge(); guard()), MR4 of Mutate, else MR5."""
    lengths = {REVOKE: 2, DELETE: 2, CANCEL: 2, COPY: 5, MINT: 6, MOVE: 4, MUTATE: 5}
    mr4, mr5 = (list(data), [0x03]) if label == MUTATE else ([rights], list(data))
    return invoke(service, label, lengths[label] if length is None else length,
                  addr(dest) + addr(src) + mr4 + mr5, extras=[R], preempt=preempt)


def rotate(dest, pivot, src, dest_data=None, src_data=None):
    return invoke(R, ROTATE, 8, addr(dest) + (dest_data or [0x03]) + addr(pivot) + (src_data or [0x03]) + addr(src),
                  extras=[R, R])


def issue(first, last, dest):
    return invoke(7, ISSUE, 4, [0x00] + list(struct.pack('<HH', first, last)) + addr(dest), extras=[R])


def port(service, label, offset, value=0x41):
    return invoke(service, label, 2, [offset + 4] + list(struct.pack('<Q', value)))


def scribble(slot, writes):
    out = [0x0f] + cptr(slot) + [len(writes)]
    for off, val in writes:
        out += list(struct.pack('<H', off)) + [val]
    return out


def raw(service, label, length, words=(0,) * 8, extras=(), buffer=True):
    return invoke(service, label, length, list(words), extras=extras, buffer=buffer)


def labels_sweep(services):
    """Every label (and garbage ones) on the given caps, round robin; the labels whose
    methods have an argument layout get one, the others eight small raw words."""
    out = [0]
    for label in range(64):
        service = services[label % len(services)]
        if label == RETYPE:
            out += retype(service, EP, 0, 50) if service != 2 else retype(service, 14, 0, 50)
        elif REVOKE <= label <= MUTATE:
            out += cnode_op(label, 50, 26, service=service)
        elif label == ROTATE:
            out += invoke(service, ROTATE, 8, addr(50) + [3] + addr(51) + [3] + addr(52), extras=[R, R])
        elif label == ISSUE:
            out += invoke(service, ISSUE, 4, [0x00, 0x10, 0, 0x12, 0] + addr(50), extras=[R])
        elif IN8 <= label <= OUT32:
            out += port(service, label, 0)
        else:
            out += raw(service, label, label % 9, words=[label, 1, 2, 3, 4, 5, 6, 7])
    return out


# Variant 1 (CTable guard 0/50): cptr = slot << 7 | slot of the CNode cap found there.
def cptr1(slot, inner):
    return [0x01, slot, inner]


SEEDS = {
    # every object type from a RAM untyped, the bad ones, and frames from device memory
    'retype-every-type': [0] + retype(16, UT, 8, 50) + retype(16, TCB, 0, 51) + retype(16, EP, 0, 52, 2) +
    retype(16, NTFN, 0, 54) + retype(16, CNODE, 3, 55) + retype(16, SC, 9, 56) + retype(16, REPLY, 0, 57) +
    retype(16, PDPT, 0, 58) + retype(16, PML4, 0, 59) + retype(16, FRAME, 0, 60) + retype(16, PT, 0, 61) +
    retype(16, PD, 0, 62) + retype(16, LARGE, 0, 63) + retype(16, HUGE, 0, 64) + retype(16, 14, 0, 65) +
    retype(19, FRAME, 0, 66, 4) + retype(19, EP, 0, 70) + retype(19, UT, 10, 71) + retype(20, EP, 0, 72, 5) +
    retype(36, CNODE, 7, 77) + retype(36, UT, 4, 78) +
    invoke(16, RETYPE, 6, [EP, 0, 0x01, 0x00, 80, 1], buffer=False),  # no IPC buffer: 4 words, no caps
    # copy, mint (badge, guard), move, mutate, rotate, cancel badged sends, delete, revoke
    'cnode-methods': [0] + cnode_op(COPY, 50, 26) + cnode_op(MINT, 51, 26, data=badge(9)) +
    cnode_op(MINT, 52, 51, data=badge(3)) + cnode_op(MOVE, 53, 50) + cnode_op(MUTATE, 54, 53) +
    cnode_op(MINT, 55, 24, data=guard(2, 1)) + cnode_op(MUTATE, 56, 55, data=guard(3, 2)) +
    rotate(57, 54, 51) + rotate(54, 57, 54) + cnode_op(CANCEL, 51) + cnode_op(CANCEL, 40) + cnode_op(DELETE, 54) +
    cnode_op(REVOKE, 26) + cnode_op(COPY, 60, 17) + cnode_op(COPY, 61, 36) + cnode_op(COPY, 62, 4) +
    cnode_op(COPY, 63, 7) + cnode_op(COPY, 64, 5) + cnode_op(COPY, 65, 11) + cnode_op(COPY, 66, 31) +
    cnode_op(COPY, 67, 33, rights=2) + cnode_op(REVOKE, 16) +
    # Rotate with src = dest: a swap, of list neighbours both ways round
    cnode_op(COPY, 68, 24) + rotate(24, 68, 24) + rotate(68, 24, 68),
    # deleting CNodes: A holds B (whose other cap goes first), so B is parked as a zombie
    'delete-cnode-tree': [0] + cnode_op(DELETE, 43) + cnode_op(DELETE, 25) + cnode_op(COPY, 7, 31, service=24) +
    cnode_op(DELETE, 24, preempt=ALWAYS) + cnode_op(REVOKE, 17, preempt=PATTERN) + retype(17, CNODE, 6, 24) +
    cnode_op(DELETE, 24),
    # the same, preempted right after B is parked: 87 + 12 preemption points come first
    'delete-cnode-preempted-parking': [0] + retype(36, EP, 0, 64, 64) + retype(36, EP, 0, 46, 16) +
    retype(36, EP, 0, 62, 2) + retype(36, EP, 0, 21, 3) + retype(36, EP, 0, 38, 2) + cnode_op(REVOKE, 36) +
    cnode_op(DELETE, 43) + cnode_op(DELETE, 25) + cnode_op(DELETE, 24, preempt=ALWAYS),
    # a CNode that holds the only caps to itself, then its untyped revoked under preemption
    'cyclic-cnode': [0] + retype(18, CNODE, 3, 50) + cnode_op(COPY, 51, 50) + cnode_op(MOVE, 5, 51, service=50) +
    cnode_op(MOVE, 0, 50, service=50) + retype(18, TCB, 0, 52) + cnode_op(DELETE, 52) +
    cnode_op(REVOKE, 18, preempt=ALWAYS),
    # IO ports: access inside and outside the range, overlapping issues, deletion, reissue
    'io-ports': [0] + port(44, IN8, 0) + port(44, OUT16, 6) + port(44, IN32, 5) + port(44, OUT8, -1) +
    port(45, IN8, 0) + port(45, IN16, 0) + issue(0x3fc, 0x400, 50) + issue(0x400, 0x40f, 50) +
    cnode_op(COPY, 51, 50) + cnode_op(DELETE, 50) + issue(0x404, 0x404, 52) + cnode_op(DELETE, 51) +
    issue(0x404, 0x404, 52) + issue(5, 4, 53) + cnode_op(REVOKE, 7) + issue(0x3f8, 0x3ff, 54) + port(54, IN16, 3),
    # many objects, reset and revoked under preemption; user writes into frames
    'preempted-retype-revoke': [0] + retype(16, EP, 0, 64, 64, preempt=ALWAYS) + retype(16, FRAME, 0, 50, 4) +
    scribble(50, [(0, 0x11), (4095, 0x22)]) + scribble(51, [(7, 0x33)]) + cnode_op(REVOKE, 16, preempt=ALWAYS) +
    retype(16, UT, 18, 50, preempt=ALWAYS) + retype(16, CNODE, 8, 51, preempt=PATTERN),
    'labels-cnode': labels_sweep([2]),
    'labels-untyped': labels_sweep([16]),
    'labels-ioport': labels_sweep([44]),
    'labels-others': labels_sweep([7, 42, 0]),
    # the two-level CSpace: Retype through root[2], then a copy into CNode A
    'nested-cspace': [1] + [0x00] + cptr1(2, 16) + [0x10, RETYPE, 6] + cptr1(2, 2) + [NEVER] +
    [CNODE, 2, 0x01, 0x00, 50, 1] + [0x00] +
    [0x00] + cptr1(2, 2) + [0x10, COPY, 5] + cptr1(2, 2) + [NEVER] + addr(60) + addr(26) + [0x0f, 0x03, 0x00] +
    [0x00] + cptr1(2, 16) + [0x10, RETYPE, 6] + cptr1(2, 2) + [NEVER] + [UT, 8, 0x00] + addr(50) + [3, 1] + [0x00] +
    [0x00] + cptr1(50, 3) + [0x10, RETYPE, 6] + cptr1(2, 2) + [NEVER] + [EP, 0, 0x01, 0x00, 70, 2] + [0x00],
}


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), 'corpus')
    os.makedirs(out, exist_ok=True)
    for name, data in SEEDS.items():
        with open(os.path.join(out, name), 'wb') as f:
            f.write(bytes(b & 0xff for b in data))


if __name__ == '__main__':
    main()
