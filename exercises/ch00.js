"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.chapter0 = exports.ctrByPosition = void 0;
/** Chapter 0: the shop and the course map. */
const shoplm_1 = require("shoplm");
exports.ctrByPosition = (0, shoplm_1.defineExercise)({
    id: "0.1",
    title: "Click-through rate by position",
    points: 2,
    answerName: "ctrByPosition",
    instructions: [
        "Each impression says at which position (1 = top) a product was shown and whether it was clicked.",
        "Write `ctrByPosition(impressions, maxPosition)`: an array of `maxPosition` numbers whose entry `i` is the",
        "click-through rate (clicks / impressions) at position `i + 1`. A position with no impressions has rate `0`;",
        "impressions below `maxPosition` are ignored. Do not change the input array.",
    ].join("\n"),
    stub: [
        "function ctrByPosition(impressions: { position: number; clicked: boolean }[], maxPosition: number): number[] {",
        "  // YOUR CODE HERE",
        '  throw new Error("not implemented yet");',
        "}",
    ].join("\n"),
    hints: [
        "Keep two arrays of length maxPosition: impressions seen and clicks, both starting at 0.",
        "Position p goes to index p - 1; skip positions greater than maxPosition; divide only where impressions > 0.",
    ],
    checks: [
        { name: "one position, half clicked", args: [[{ position: 1, clicked: true }, { position: 1, clicked: false }], 1], expected: [0.5] },
        {
            name: "three positions",
            args: [
                [
                    { position: 1, clicked: true },
                    { position: 2, clicked: false },
                    { position: 2, clicked: true },
                    { position: 3, clicked: false },
                    { position: 1, clicked: true },
                ],
                3,
            ],
            expected: [1, 0.5, 0],
        },
        { name: "a position never shown has rate 0", args: [[{ position: 2, clicked: true }], 3], expected: [0, 1, 0] },
        {
            name: "does not change its input",
            property: (answer) => {
                const input = [{ position: 2, clicked: true }, { position: 1, clicked: false }];
                const copy = JSON.stringify(input);
                answer(input, 2);
                return JSON.stringify(input) === copy ? undefined : "the impressions array was modified";
            },
        },
    ],
});
exports.chapter0 = [exports.ctrByPosition];
