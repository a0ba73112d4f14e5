"""Append the select-all, ordering, matching and short-answer items (issue 10, part 3)
to the END of the per-topic files of question_bank/. Run once; it refuses to add an id
that is already there. Kept so the wording can be re-generated and reviewed in one place."""
from __future__ import annotations

import sys
from pathlib import Path

from quizapp.bank.tomlwrite import item_text

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10
    import tomli as tomllib

BANK = Path(__file__).resolve().parents[1] / "question_bank"

ITEMS: dict[str, list[dict]] = {
    # ------------------------------------------------------------------ multiple
    "adam": [
        {"id": "adam.select-moments", "category": "concept", "difficulty": 2, "tags": ["moments"],
         "prompt": "Which running quantities does Adam keep for every coordinate? Tick every one.",
         "explanation": "Adam keeps an exponential moving average of the gradients (first moment, the "
                        "momentum part) and one of the squared gradients (second moment, the RMSProp part). "
                        "A sum of all squared gradients is AdaGrad's, and the look-ahead gradient is "
                        "Nesterov's.",
         "answer": {"kind": "multiple",
                    "choices": ["A moving average of the gradients",
                                "A moving average of the squared gradients",
                                "The sum of every squared gradient since the start",
                                "The gradient at a look-ahead point",
                                "A learning rate per layer chosen by hand"],
                    "correct": [1, 2]}},
        {"id": "adam.order-one-update", "category": "concept", "difficulty": 2, "tags": ["bias-correction"],
         "prompt": "Put the parts of one Adam update in the order they happen.",
         "explanation": "The gradient comes first; both moment averages are updated from it; the averages "
                        "are divided by $1 - \\beta^t$ to undo their start at zero; only then is the step "
                        "$\\eta \\hat m / (\\sqrt{{\\hat v}} + \\epsilon)$ taken.",
         "answer": {"kind": "ordering",
                    "steps": ["Compute the gradient on the mini-batch",
                              "Update the first- and second-moment averages",
                              "Bias-correct both averages by dividing by $1 - \\beta^t$",
                              "Step the weights with the bias-corrected averages"]}},
        {"id": "adam.match-hyperparameters", "category": "concept", "difficulty": 2, "tags": ["hyperparameters"],
         "prompt": "Match each Adam setting with what it controls.",
         "explanation": "$\\beta_1$ sets how long the gradient average remembers, $\\beta_2$ the same for the "
                        "squared gradients, $\\epsilon$ keeps the division safe when $\\hat v$ is tiny, and "
                        "$\\eta$ scales every step.",
         "answer": {"kind": "matching",
                    "pairs": [["$\\beta_1$", "Memory of the average of gradients"],
                              ["$\\beta_2$", "Memory of the average of squared gradients"],
                              ["$\\epsilon$", "Keeps the denominator away from zero"],
                              ["$\\eta$", "Overall size of every step"]]}},
    ],
    "debugging": [
        {"id": "debugging.select-oscillation-levers", "category": "scenario", "difficulty": 1,
         "tags": ["oscillation"],
         "prompt": "Your training loss saws up and down from one step to the next. Which settings belong on "
                   "the first-check list? Tick every one.",
         "explanation": "Oscillation comes from steps that are too large or too noisy: the learning rate, "
                        "the momentum (it can carry the weights past the valley) and the batch size (small "
                        "batches give noisy gradients). Weight decay and early stopping are levers for a "
                        "validation score that stalls.",
         "answer": {"kind": "multiple",
                    "choices": ["The learning rate", "The momentum coefficient", "The batch size",
                                "The weight decay", "Early stopping"],
                    "correct": [1, 2, 3]}},
        {"id": "debugging.select-nan-checks", "category": "scenario", "difficulty": 2, "tags": ["nan"],
         "prompt": "A few hundred steps in, the loss becomes NaN. Which of these are first checks for early "
                   "divergence? Tick every one.",
         "explanation": "Early divergence points at the size of the updates: the initialization, the "
                        "learning rate, the gradient norm you logged and whether clipping is on. Augmentation "
                        "and early stopping act on generalization, not on an exploding run.",
         "answer": {"kind": "multiple",
                    "choices": ["The weight initialization", "The learning rate",
                                "The logged gradient norm", "Whether gradient clipping is on",
                                "Data augmentation", "Early stopping"],
                    "correct": [1, 2, 3, 4]}},
        {"id": "debugging.match-symptom-table", "category": "scenario", "difficulty": 2,
         "tags": ["symptoms"],
         "prompt": "Match each symptom with the settings to check first.",
         "explanation": "Oscillation: step size and noise (learning rate, momentum, batch size). Early NaN: "
                        "update size (initialization, learning rate, gradient norm, clipping). A plateau: "
                        "the schedule and the optimizer. Stalled validation: the regularizers (weight "
                        "decay, augmentation, early stopping).",
         "answer": {"kind": "matching",
                    "pairs": [["The loss oscillates", "Learning rate, momentum, batch size"],
                              ["The loss diverges or turns NaN early",
                               "Initialization, learning rate, gradient norm, clipping"],
                              ["Learning is slow or has plateaued",
                               "The scheduler with warmup, or a switch between SGD and AdamW"],
                              ["Validation stops improving", "Weight decay, augmentation, early stopping"]]}},
        {"id": "debugging.short-warmup-name", "category": "definition", "difficulty": 1, "tags": ["warmup"],
         "prompt": "Early training is unstable. What is the name of the schedule phase that starts with a tiny "
                   "learning rate and raises it gradually over the first steps?",
         "explanation": "Warmup: gentle strides first, the full rate once training has settled.",
         "answer": {"kind": "short",
                    "accept": ["warmup", "warm-up", "learning rate warmup", "lr warmup", "linear warmup"],
                    "reject": ["cooldown", "warmdown"], "typos": 1}},
    ],
    "lab_notebook": [
        {"id": "lab_notebook.select-what-to-record", "category": "application", "difficulty": 1,
         "tags": ["records"],
         "prompt": "You are about to compare two training runs. Which of these should the notebook entry of "
                   "each run hold? Tick every one.",
         "explanation": "A comparison needs the settings that produced each curve, including the random seed "
                        "and the scheduler, so any difference can be traced to one change. Keeping only the "
                        "final numbers hides how each run got there.",
         "answer": {"kind": "multiple",
                    "choices": ["The learning rate and the batch size", "The random seed",
                                "The weight decay and the scheduler",
                                "Only the final validation accuracy",
                                "Only the settings that differ from last week's run"],
                    "correct": [1, 2, 3]}},
        {"id": "lab_notebook.order-one-change", "category": "application", "difficulty": 1,
         "tags": ["one-change"],
         "prompt": "Put the steps of a fair one-change experiment in order.",
         "explanation": "Write down the baseline first, then change exactly one setting, rerun with the same "
                        "seed, and only then compare: any difference can be put down to that one change.",
         "answer": {"kind": "ordering",
                    "steps": ["Record the baseline run's settings and seed",
                              "Change exactly one setting",
                              "Rerun with the same seed",
                              "Compare the new curves with the baseline's"]}},
        {"id": "lab_notebook.short-seed", "category": "definition", "difficulty": 1, "tags": ["seed"],
         "prompt": "Two runs with identical settings still give slightly different curves. Which recorded "
                   "value lets you repeat a run with exactly the same random draws (shuffling, "
                   "initialization, dropout)?",
         "explanation": "The random seed fixes every pseudo-random draw, so recording it makes a run "
                        "repeatable.",
         "answer": {"kind": "short", "accept": ["seed", "random seed", "the seed", "the random seed", "rng seed"],
                    "typos": 1}},
    ],
    "adagrad": [
        {"id": "adagrad.select-per-coordinate", "category": "concept", "difficulty": 1, "tags": ["adaptive"],
         "prompt": "Which of these optimizers give each coordinate its own effective step, computed from that "
                   "coordinate's past gradients? Tick every one.",
         "explanation": "AdaGrad, RMSProp and Adam divide by a root of past squared gradients per "
                        "coordinate. Plain SGD and both momentum methods use one learning rate for every "
                        "coordinate; momentum changes the direction, not a per-coordinate scale.",
         "answer": {"kind": "multiple",
                    "choices": ["AdaGrad", "RMSProp", "Adam", "Plain SGD", "SGD with momentum",
                                "Nesterov momentum"],
                    "correct": [1, 2, 3]}},
        {"id": "adagrad.order-one-update", "category": "concept", "difficulty": 2, "tags": ["accumulator"],
         "prompt": "Put the parts of one AdaGrad update of a weight in order.",
         "explanation": "The new gradient is squared and added to the running sum $G$; the step is then "
                        "$\\eta g / (\\sqrt{{G}} + \\epsilon)$, so a coordinate with a large history moves "
                        "less.",
         "answer": {"kind": "ordering",
                    "steps": ["Compute the gradient $g$",
                              "Add $g^2$ to the running sum $G$",
                              "Divide $\\eta g$ by $\\sqrt{{G}} + \\epsilon$",
                              "Subtract that step from the weight"]}},
        {"id": "adagrad.short-accumulates", "category": "definition", "difficulty": 1, "tags": ["accumulator"],
         "prompt": "AdaGrad keeps one running total per coordinate and never forgets any of it. What does it "
                   "add to that total at every step?",
         "explanation": "It adds the squared gradient, so coordinates that saw large gradients get ever "
                        "smaller steps.",
         "answer": {"kind": "short",
                    "accept": ["the squared gradient", "squared gradient", "squared gradients",
                               "the square of the gradient", "gradient squared", "g^2", "g squared",
                               "the squared gradients"],
                    "reject": ["the gradient", "gradient"], "typos": 1}},
        {"id": "adagrad.short-forgetting-fix", "category": "definition", "difficulty": 1,
         "tags": ["history"],
         "prompt": "Which optimizer keeps AdaGrad's per-coordinate scaling but replaces its ever-growing sum "
                   "with an exponential moving average, so steps no longer shrink towards zero?",
         "explanation": "RMSProp forgets very old squared gradients, so the effective step can recover.",
         "answer": {"kind": "short", "accept": ["RMSProp", "RMS propagation"], "reject": ["Adam"], "typos": 1}},
    ],
    "generalization": [
        {"id": "generalization.select-validation-levers", "category": "scenario", "difficulty": 2,
         "tags": ["validation"],
         "prompt": "Training loss keeps falling, but validation accuracy has not improved for many epochs. "
                   "Which levers fit this symptom? Tick every one.",
         "explanation": "A widening gap between training and validation is a generalization problem: weight "
                        "decay and augmentation regularize, early stopping keeps the best checkpoint. A "
                        "larger learning rate or more epochs at the same settings do not close the gap.",
         "answer": {"kind": "multiple",
                    "choices": ["Weight decay", "Data augmentation", "Early stopping",
                                "A larger learning rate", "More epochs with the same settings"],
                    "correct": [1, 2, 3]}},
        {"id": "generalization.match-cheat-sheet", "category": "application", "difficulty": 2,
         "tags": ["choice-of-optimizer"],
         "prompt": "Match each pick from the chapter's optimizer cheat sheet with the reason it is given.",
         "explanation": "Adam or AdamW make a quick baseline because adaptive steps forgive a rough starting "
                        "rate; AdamW is often very stable for transformers; SGD with momentum is harder to "
                        "tune but can generalize better when a CNN is pushed to its limit. Every optimizer "
                        "here still needs a learning rate.",
         "answer": {"kind": "matching",
                    "pairs": [["Adam or AdamW for a quick baseline",
                               "Adaptive steps: less sensitive to the starting learning rate"],
                              ["AdamW for transformers",
                               "Often very stable on sparse, structured objectives"],
                              ["SGD with momentum for a CNN pushed to the limit",
                               "Harder to tune, but can generalize better at the sweet spot"]],
                    "extras": ["Needs no learning rate at all"]}},
        {"id": "generalization.short-early-stopping", "category": "definition", "difficulty": 1,
         "tags": ["early-stopping"],
         "prompt": "What is it called when you end training at the epoch where validation loss was lowest, "
                   "instead of running every planned epoch?",
         "explanation": "Early stopping keeps the model from the epoch that generalized best.",
         "answer": {"kind": "short", "accept": ["early stopping", "early-stopping", "earlystop"], "typos": 1}},
    ],
    "schedules": [
        {"id": "schedules.select-why-schedule", "category": "concept", "difficulty": 2, "tags": ["warmup"],
         "prompt": "Why pair an optimizer with warmup and a decaying schedule? Tick every true reason.",
         "explanation": "Warmup keeps the first steps gentle while the running statistics are still unreliable, "
                        "and decay shrinks the steps at the end so the weights settle. Neither removes the "
                        "need for a base learning rate, and neither changes the gradient itself.",
         "answer": {"kind": "multiple",
                    "choices": ["Small steps at the start, while the statistics are still unreliable",
                                "Smaller steps near the end, so the weights settle",
                                "A schedule removes the need to pick a base learning rate",
                                "A schedule makes each mini-batch gradient exact"],
                    "correct": [1, 2]}},
        {"id": "schedules.order-warmup-cosine", "category": "concept", "difficulty": 1, "tags": ["cosine"],
         "prompt": "A run uses linear warmup followed by cosine decay. Put what the learning rate does in time "
                   "order.",
         "explanation": "It climbs linearly from near zero, reaches the base rate at the end of warmup, then "
                        "follows the cosine down, flattening out near its minimum at the last step.",
         "answer": {"kind": "ordering",
                    "steps": ["It climbs linearly from near zero", "It reaches the base rate",
                              "It falls along the cosine curve", "It levels off near its minimum"]}},
    ],
    "momentum": [
        {"id": "momentum.select-true-statements", "category": "concept", "difficulty": 2, "tags": ["velocity"],
         "prompt": "With the chapter's update $v \\leftarrow \\beta v + (1 - \\beta) g$, "
                   "$\\theta \\leftarrow \\theta - \\eta v$, which statements hold? Tick every one.",
         "explanation": "$v$ is an exponential moving average of recent gradients; $\\beta = 0.9$ keeps 90 % "
                        "of the old velocity each step; averaging cancels the back-and-forth part of a "
                        "zig-zag. Momentum does not rescale coordinates (that is what adaptive methods do), "
                        "and a larger $\\beta$ makes $v$ slower, not faster, to turn.",
         "answer": {"kind": "multiple",
                    "choices": ["$v$ is a moving average of recent gradients",
                                "With $\\beta = 0.9$, 90 % of the old velocity is kept each step",
                                "It damps the zig-zag across a narrow valley",
                                "It gives each coordinate its own step size",
                                "A larger $\\beta$ makes $v$ turn faster to a new gradient direction"],
                    "correct": [1, 2, 3]}},
        {"id": "momentum.match-symbols", "category": "definition", "difficulty": 1, "tags": ["notation"],
         "prompt": "Match each symbol of the momentum update with its meaning.",
         "explanation": "$\\theta$ is where you stand (the weights), $\\eta$ the learning rate, $g$ the gradient "
                        "at the current point, $v$ the velocity and $\\beta$ how much of the old velocity is "
                        "kept.",
         "answer": {"kind": "matching",
                    "pairs": [["$\\theta$", "The model weights"], ["$\\eta$", "The learning rate"],
                              ["$g$", "The gradient at the current point"],
                              ["$v$", "The accumulated direction of travel"],
                              ["$\\beta$", "The share of the old velocity that is kept"]]}},
        {"id": "momentum.short-velocity", "category": "definition", "difficulty": 1, "tags": ["velocity"],
         "prompt": "In $v \\leftarrow \\beta v + (1 - \\beta) g$, the chapter gives $v$ a name borrowed from "
                   "physics. What is $v$ called?",
         "explanation": "$v$ is the velocity: the accumulated direction that carries the weights through "
                        "small bumps.",
         "answer": {"kind": "short", "accept": ["velocity", "the velocity"], "reject": ["speed"], "typos": 1}},
        {"id": "momentum.short-lookahead-name", "category": "definition", "difficulty": 1, "tags": ["lookahead"],
         "prompt": "A momentum method measures the gradient at a look-ahead point along the velocity instead "
                   "of at the current point. Whose name does it carry?",
         "explanation": "Nesterov momentum (Nesterov accelerated gradient) evaluates the gradient where the "
                        "velocity is about to carry the weights.",
         "answer": {"kind": "short",
                    "accept": ["Nesterov", "Nesterov momentum", "NAG", "Nesterov accelerated gradient"],
                    "typos": 1}},
    ],
    "gradient_descent": [
        {"id": "gradient_descent.order-training-step", "category": "concept", "difficulty": 1,
         "tags": ["flow"],
         "prompt": "Put one training step in order.",
         "explanation": "The forward pass makes predictions, the loss compares them with the targets, "
                        "backpropagation turns the loss into gradients, and only then can the optimizer "
                        "update the weights.",
         "answer": {"kind": "ordering",
                    "steps": ["Forward pass on the mini-batch", "Compute the loss",
                              "Backpropagate to get the gradients", "Optimizer step updates the weights"]}},
        {"id": "gradient_descent.match-rate-behaviour", "category": "scenario", "difficulty": 1,
         "tags": ["learning-rate"],
         "prompt": "Match each learning rate with the loss curve it tends to give.",
         "explanation": "Too large a stride overshoots the valley, so the loss bounces or blows up; too small "
                        "a stride makes the loss creep down; a good rate falls quickly and then settles.",
         "answer": {"kind": "matching",
                    "pairs": [["Far too large", "Bounces around or blows up"],
                              ["Far too small", "Creeps down very slowly"],
                              ["Well chosen", "Falls quickly, then settles"]],
                    "extras": ["Stays exactly flat from the first step"]}},
    ],
    "tuning": [
        {"id": "tuning.order-quick-decision", "category": "application", "difficulty": 2,
         "tags": ["tuning-order"],
         "prompt": "Put the chapter's quick tuning order in sequence.",
         "explanation": "Check the logs are right first, then the learning rate (the setting that matters "
                        "most), then the optimizer, then a scheduler, then stabilizers such as clipping, and "
                        "finally choose by mean performance, variance and reproducibility over seeds.",
         "answer": {"kind": "ordering",
                    "steps": ["Validate the logs", "Tune the learning rate", "Choose the optimizer",
                              "Combine it with a scheduler", "Add stabilizers such as clipping",
                              "Pick by mean, variance and reproducibility"]}},
        {"id": "tuning.short-decoupled-name", "category": "definition", "difficulty": 1, "tags": ["decoupled"],
         "prompt": "Which optimizer takes Adam's update and applies weight decay directly to the weights, "
                   "decoupled from the loss and its gradient?",
         "explanation": "AdamW decouples the decay from the adaptive scaling, so every weight shrinks by the "
                        "same share.",
         "answer": {"kind": "short", "accept": ["AdamW", "Adam-W"], "reject": ["Adam"], "typos": 1}},
    ],
    "nesterov": [
        {"id": "nesterov.order-one-step", "category": "concept", "difficulty": 3, "tags": ["lookahead"],
         "prompt": "Put the parts of one Nesterov momentum step in order.",
         "explanation": "Nesterov first looks ahead along the velocity, measures the gradient there, folds "
                        "that gradient into the velocity and then moves the weights with the new velocity.",
         "answer": {"kind": "ordering",
                    "steps": ["Find the look-ahead point along the current velocity",
                              "Evaluate the gradient at the look-ahead point",
                              "Blend that gradient into the velocity",
                              "Move the weights with the new velocity"]}},
    ],
    "clipping": [
        {"id": "clipping.order-global-norm", "category": "concept", "difficulty": 2, "tags": ["global-norm"],
         "prompt": "Put the parts of a training step with clipping by global norm in order.",
         "explanation": "Clipping works on gradients, so they must exist first; one norm is computed over "
                        "all of them; if it exceeds the limit every gradient is scaled by the same factor; "
                        "then the optimizer steps.",
         "answer": {"kind": "ordering",
                    "steps": ["Backpropagate to get every gradient",
                              "Compute one norm over all the gradients together",
                              "If it exceeds the limit, scale every gradient by limit / norm",
                              "Take the optimizer step"]}},
        {"id": "clipping.match-ways", "category": "concept", "difficulty": 3, "tags": ["global-norm"],
         "prompt": "Match each way of handling a huge gradient with what it does to the update.",
         "explanation": "Capping each component separately can change the direction of the update; scaling "
                        "by the global norm shrinks all components by one factor and keeps the direction; "
                        "with no clipping, one spike becomes one enormous step.",
         "answer": {"kind": "matching",
                    "pairs": [["Clip each component to $[-c, c]$",
                               "Caps entries separately, so the direction can change"],
                              ["Clip by the global norm", "Shrinks every entry by one factor, keeping the direction"],
                              ["No clipping", "One spike becomes one enormous step"]]}},
        {"id": "clipping.short-global-norm", "category": "definition", "difficulty": 2, "tags": ["global-norm"],
         "prompt": "Clipping compares one number against its limit: the L2 length of all parameters' "
                   "gradients taken together. What is that number called?",
         "explanation": "The global (gradient) norm; logging it shows when clipping kicks in.",
         "answer": {"kind": "short",
                    "accept": ["global norm", "the global norm", "global gradient norm", "grad_norm",
                               "gradient norm", "the gradient norm", "total norm"],
                    "typos": 1}},
    ],
    "rmsprop": [
        {"id": "rmsprop.match-what-is-kept", "category": "concept", "difficulty": 2, "tags": ["history"],
         "prompt": "Match each optimizer with the running quantity it keeps.",
         "explanation": "Momentum averages gradients; AdaGrad sums squared gradients forever; RMSProp keeps a "
                        "moving average of squared gradients, so old history fades; Adam keeps both moving "
                        "averages.",
         "answer": {"kind": "matching",
                    "pairs": [["Momentum", "A moving average of gradients"],
                              ["AdaGrad", "The sum of all squared gradients"],
                              ["RMSProp", "A moving average of squared gradients"],
                              ["Adam", "Moving averages of gradients and of squared gradients"]]}},
    ],
    "sgd": [
        {"id": "sgd.match-batch-size", "category": "concept", "difficulty": 2, "tags": ["batch-size"],
         "prompt": "Match each way of estimating the gradient with its trade-off.",
         "explanation": "One example per step gives the noisiest estimate at the lowest cost; the whole "
                        "dataset gives the exact gradient at the highest cost per step; a mini-batch sits in "
                        "between, which is why SGD uses it.",
         "answer": {"kind": "matching",
                    "pairs": [["One example per step", "Noisiest gradient, cheapest step"],
                              ["The whole training set per step", "Exact gradient, most expensive step"],
                              ["A mini-batch of, say, 64 examples", "Some noise at a moderate cost"]]}},
    ],
}


def main() -> int:
    added = 0
    for topic, items in ITEMS.items():
        path = BANK / f"{topic}.toml"
        text = path.read_text(encoding="utf-8")
        have = {t["id"] for t in tomllib.loads(text).get("item", [])}
        blocks = []
        for table in items:
            if table["id"] in have:
                print(f"{table['id']}: already in {path.name}; skipped", file=sys.stderr)
                continue
            blocks.append(item_text(table).rstrip("\n") + "\n")
        if blocks:
            path.write_text(text.rstrip("\n") + "\n\n" + "\n".join(blocks), encoding="utf-8")
            added += len(blocks)
    print(f"added {added} item(s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
