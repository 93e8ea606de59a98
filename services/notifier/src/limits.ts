// Slack's message limits as they bound the notifier: what the settings allow (config.ts) and what the
// rendering fits into one message (digest.ts).

/** Most conversations one digest lists; every line is kept short enough for all of them to fit Slack's limits. */
export const MAX_DIGEST_SIZE = 150;
