// Links into the operator console, used in Slack messages and Asana tasks; built in one place so they agree.

export function transcriptUrl(consoleBaseUrl: string, conversationId: string): string {
  return new URL(`console/conversations/${encodeURIComponent(conversationId)}`, consoleBaseUrl).toString();
}
