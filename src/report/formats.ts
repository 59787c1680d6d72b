/** The report formats (kept apart from the renderers so the CLI can list them without loading charts). */
export type ReportFormat = 'html' | 'pdf' | 'md' | 'junit' | 'oscal' | 'aiverify';
export const REPORT_FORMATS: readonly ReportFormat[] = ['html', 'pdf', 'md', 'junit', 'oscal', 'aiverify'];
