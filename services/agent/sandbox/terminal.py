"""What replays and simulations print in a terminal: a progress bar on stderr, tables on stdout."""

from __future__ import annotations

import json
import sys
from typing import Any

from services.agent.replay.diff import ConversationDiff, ReplaySummary, TurnDiff
from services.agent.simulation.report import SuiteReport

BAR = 30


class ProgressBar:
    """``[#####.....] 12/50 label`` redrawn in place on a terminal; one line per step otherwise."""

    def __init__(self, total: int, label: str) -> None:
        self.total = max(total, 1)
        self.done = 0
        self.label = label
        self._tty = sys.stderr.isatty()

    def step(self, note: str = "") -> None:
        self.done += 1
        filled = BAR * self.done // self.total
        line = f"[{'#' * filled}{'.' * (BAR - filled)}] {self.done}/{self.total} {self.label} {note}"
        if self._tty:
            sys.stderr.write("\r" + line[:160].ljust(160))
            if self.done >= self.total:
                sys.stderr.write("\n")
        elif self.done == self.total or self.done % max(1, self.total // 20) == 0:  # a log: about 20 lines
            sys.stderr.write(line + "\n")
        sys.stderr.flush()


def _args(arguments: dict[str, Any] | None) -> str:
    return json.dumps(arguments or {}, sort_keys=True, ensure_ascii=False)


def _turn_lines(turn: TurnDiff) -> list[str]:
    out = [f"  message {(turn.message_index or 0) + 1}: {turn.customer_text[:90]!r}"]
    for change in turn.tool_changes:
        write = " [write]" if change.write else ""
        match change.change:
            case "added":
                out.append(f"    + {change.tool}{write} {_args(change.candidate_arguments)}")
            case "missing":
                out.append(f"    - {change.tool}{write} {_args(change.recorded_arguments)}")
            case "changed_arguments":
                recorded, candidate = _args(change.recorded_arguments), _args(change.candidate_arguments)
                out.append(f"    ~ {change.tool}{write} {recorded} -> {candidate}")
            case _:
                approvals = f"{change.recorded_approval} -> {change.candidate_approval}"
                out.append(f"    ~ {change.tool}{write} approval {approvals}")
    old, new = turn.recorded, turn.candidate
    if turn.handoff_changed:
        out.append(f"    handoff: {(old.handoff if old else None)!r} -> {(new.handoff if new else None)!r}")
    if turn.limits_changed:
        out.append(f"    limits: {old.limits if old else []} -> {new.limits if new else []}")
    if turn.refusal_changed:
        out.append(f"    refusal: {bool(old and old.refusal)} -> {bool(new and new.refusal)}")
    if turn.model_failure_changed:
        out.append(f"    model failure: {(new.model_failed if new else None) or 'none'}")
    if turn.reply_similarity is not None and turn.reply_similarity < 1:
        out.append(f"    reply ({turn.reply_similarity:.2f} similar): {(turn.reply_diff or '')[:300]}")
    return out


def replay_table(diffs: list[ConversationDiff], summary: ReplaySummary) -> str:
    lines = [f"{'conversation':<40} {'turns':>5} {'actions':<10} {'writes':<8} {'cost recorded -> candidate':<30}"]
    for d in diffs:
        if d.error is not None:
            lines.append(f"{d.conversation_id:<40} {'':>5} FAILED     {d.error[:80]}")
            continue
        actions = "identical" if d.identical_actions else "DIFFERENT"
        writes = "CHANGED" if d.write_difference else "same"
        cost = f"${d.recorded_cost_usd:f} -> ${d.candidate_cost_usd:f}"
        lines.append(f"{d.conversation_id:<40} {len(d.turns):>5} {actions:<10} {writes:<8} {cost:<30}")
        for turn in d.turns:
            if not turn.identical_actions or (turn.reply_similarity is not None and turn.reply_similarity < 1):
                lines += _turn_lines(turn)
    s = summary
    similarity = f"{s.mean_reply_similarity:.2f}" if s.mean_reply_similarity is not None else "n/a"
    lines += [
        "",
        f"replayed {s.replayed} of {s.conversations} conversations ({s.failed} failed)",
        f"identical actions: {s.identical_actions_pct:.1f} %   "
        f"any write action different: {s.write_difference_pct:.1f} %",
        f"cost: recorded ${s.recorded_cost_usd:f}, candidate ${s.candidate_cost_usd:f} (delta ${s.cost_delta_usd:f})",
        f"model time: recorded {s.recorded_model_ms:.0f} ms, candidate {s.candidate_model_ms:.0f} ms; "
        f"mean reply similarity {similarity}",
    ]
    return "\n".join(lines)


def simulation_table(report: SuiteReport) -> str:
    ks = [str(k) for k in range(1, report.trials + 1)]
    head = " ".join(f"{'pass^' + k:>8}" for k in ks)
    lines = [f"suite {report.suite} — {report.model}" + (f", candidate {report.candidate}" if report.candidate else "")]
    lines.append(f"{'task':<32} {'passed':>8} {head}")
    for task in report.tasks:
        cells = " ".join(f"{task.pass_hat[k]:>8.2f}" for k in ks)
        mark = "" if task.passed else "  FAIL"
        lines.append(f"{task.id[:32]:<32} {task.passed_trials:>4}/{task.trials:<3} {cells}{mark}")
        failed = next((r for r in task.results if not r.passed), None)
        if failed is not None:
            lines += [f"    trial {failed.trial}: {reason}" for reason in failed.failures[:5]]
    cells = " ".join(f"{report.pass_hat[k]:>8.2f}" for k in ks)
    lines.append(f"{'overall':<32} {'':>8} {cells}")
    verdict = (
        "PASSED" if report.passed else f"FAILED ({len(report.failed_tasks)} tasks: {', '.join(report.failed_tasks)})"
    )
    lines.append(f"{verdict} in {report.duration_ms / 1000:.2f} s, cost ${report.cost_usd:f}")
    return "\n".join(lines)
