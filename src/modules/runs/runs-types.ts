/** The records of the runs module: run reports, engagement events and scores (telemetry). */
import type { Json } from '../../store/store.js';

export interface NewRun {
  projectId: string;
  workspaceId: string;
  userId: string;
  threadId: string | null;
  status: string;
  report: Json;
}

export interface NewEvent {
  kind: string;
  threadId: string | null;
  messageId: string | null;
  runId: string | null;
  value: number | null;
  props: Json;
}

export interface NewScore {
  projectId: string;
  workspaceId: string;
  userId: string;
  name: string;
  dataType: 'numeric' | 'categorical' | 'boolean';
  value: number | null;
  stringValue: string | null;
  comment: string | null;
  threadId: string | null;
  messageId: string | null;
  runId: string | null;
}

export interface ScoreRecord extends NewScore {
  id: string;
  createdAt: number;
}

