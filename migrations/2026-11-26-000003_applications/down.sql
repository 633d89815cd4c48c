DROP TABLE job_runs;
DROP TABLE application_snapshots;
DROP TABLE attachments;
DROP TABLE milestones;
DROP TABLE budget_lines;
DROP TABLE application_partners;
DROP TABLE applications;
