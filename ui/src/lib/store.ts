// What one screen learned that another can reuse without asking the shell
// again: meeting titles for breadcrumbs.
const meetingTitles = new Map<string, string>();

export function rememberMeeting(id: string, title: string): void {
  meetingTitles.set(id, title);
}

export function meetingTitle(id: string): string | undefined {
  return meetingTitles.get(id);
}
