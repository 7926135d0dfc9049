/** A small workload for `ampa simulate --html`, with hostile titles. */

export const HOSTILE_TITLE = "<script>window.__pwned = 1</script>";
export const HOSTILE_TITLE_2 = `Slow & "quoted" <img src=x onerror="window.__pwned = 2">`;

/** Three commands: one instant, one whose runs take 150 s, one added late and paused. */
export const SIMULATED_WORKLOAD = {
  commands: [
    { id: "quick", title: HOSTILE_TITLE, frequency_minutes: 1, priority: 0 },
    { id: "slow", title: HOSTILE_TITLE_2, frequency_minutes: 2, priority: 3, run_seconds: 150 },
    {
      id: "late.joiner",
      frequency_minutes: 5,
      priority: 0,
      added_at_seconds: 300,
      paused: [[600, 900]],
    },
  ],
};
