/**
 * The agent desk: a small stand-in for the Flex UI (task list, task canvas, Complete
 * button, notification bar) that hands its own `flex` and `manager` objects
 * (flex-desktop.ts) to the real `registerCallerContext`, exactly as a plugin's init does
 * in Flex. The tasks are TaskRouter's (the demo's stand-in, through the desk server),
 * read again every second as Flex hears of changes; Complete runs Flex's CompleteTask
 * action, whose body marks the task completed in TaskRouter. What the panel and the
 * wrap-up do here is what they do in Flex: the wrap-up is stored on the task through the
 * save Function before completion and saved after it.
 */
import {
  type FlexNotification,
  type NotificationActionProps,
  registerCallerContext,
} from '@stickycalls/flex-react';
import * as React from 'react';
import * as ReactDOM from 'react-dom';
import { CANCELLED, createFlexDesktop, type DeskTask, type FlexDesktop } from './flex-desktop.js';

interface DeskSetup {
  token: string;
  saveContextUrl: string;
  tasks: DeskTask[];
}

/** How often the desk asks TaskRouter (through the desk server) what changed. */
const REFRESH_MS = 1000;

function NotificationAction({
  label,
  onClick,
  notification,
}: NotificationActionProps & { notification?: FlexNotification }) {
  return (
    <button
      type="button"
      className="bar-action"
      onClick={(event) => onClick(event, notification ?? { id: '' })}
    >
      {label}
    </button>
  );
}

async function postTask(path: string): Promise<DeskTask> {
  const response = await fetch(path, { method: 'POST' });
  const body = (await response.json()) as DeskTask & { error?: string };
  if (!response.ok) throw new Error(body.error ?? `TaskRouter answered ${response.status}`);
  return body;
}

function useChanges(desktop: FlexDesktop) {
  const [, setTick] = React.useState(0);
  React.useEffect(() => desktop.subscribe(() => setTick((tick) => tick + 1)), [desktop]);
}

/** What the task list says of a task: its reservation's status, as Flex's `task.status`. */
const STATUS_TEXT: Record<string, string> = {
  accepted: 'accepted: on the call',
  wrapping: 'wrapping',
  completed: 'completed',
};

function App({ desktop, refresh }: { desktop: FlexDesktop; refresh: () => Promise<void> }) {
  useChanges(desktop);
  const tasks = desktop.tasks();
  const [selected, setSelected] = React.useState(tasks[0]?.taskSid);
  const task = tasks.find((t) => t.taskSid === selected);
  const [busy, setBusy] = React.useState(false);
  const { Notifications, Actions } = desktop.flex;
  const act = async (work: () => Promise<unknown>) => {
    setBusy(true);
    try {
      await work();
    } catch (error) {
      // A cancelled completion is the wrap-up's doing: its notification says why.
      const message = error instanceof Error ? error.message : String(error);
      if (message !== CANCELLED('CompleteTask')) console.warn(`[desk] ${message}`);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="desk">
      <div className="bar" aria-live="polite">
        {Notifications.activeNotifications.map((notification) => (
          <div key={notification.instanceId} className={`note note-${notification.type}`} role="status">
            <span>
              {React.isValidElement(notification.content)
                ? React.cloneElement(
                    notification.content as React.ReactElement<{ notificationContext?: object }>,
                    { notificationContext: notification.context ?? {} },
                  )
                : notification.content}
            </span>
            {(notification.actions ?? []).map((action) =>
              React.cloneElement(action as React.ReactElement<{ notification?: FlexNotification }>, {
                key: String(action.key),
                notification,
              }),
            )}
            {notification.closeButton ? (
              <button
                type="button"
                className="bar-action"
                aria-label="Dismiss"
                onClick={() => Notifications.dismissNotification?.(notification)}
              >
                ×
              </button>
            ) : null}
          </div>
        ))}
      </div>
      <nav aria-label="Tasks" className="tasks">
        <h1>Agent desk</h1>
        <ul>
          {tasks.map((t) => (
            <li key={t.taskSid}>
              <button
                type="button"
                aria-current={t.taskSid === selected ? 'true' : undefined}
                onClick={() => setSelected(t.taskSid)}
              >
                <strong>{t.title}</strong>
                <span className="task-status">{STATUS_TEXT[t.status] ?? t.status}</span>
              </button>
            </li>
          ))}
        </ul>
        <p className="hint">
          The scenario's tasks, as TaskRouter (the demo's stand-in) holds them. The panel and the wrap-up are
          the real <code>@stickycalls/flex-react</code>: completing a task stores the wrap-up on it through
          the save Function, then saves it.
        </p>
      </nav>
      <main className="canvas" aria-label="Task canvas">
        {task === undefined ? null : (
          <>
            <header className="canvas-header">
              <h2>{task.title}</h2>
              {task.status === 'accepted' ? (
                <button
                  type="button"
                  disabled={busy}
                  onClick={() =>
                    act(async () => desktop.update([await postTask(`/api/tasks/${task.taskSid}/wrap-up`)]))
                  }
                >
                  End call and wrap up
                </button>
              ) : null}
              {task.status === 'wrapping' ? (
                <button
                  type="button"
                  disabled={busy}
                  onClick={() => act(() => Actions.invokeAction('CompleteTask', { task }))}
                >
                  Complete task
                </button>
              ) : null}
            </header>
            {desktop
              .content('TaskCanvas', task)
              .map((item) =>
                React.cloneElement(item.element, { task, key: `${task.taskSid}:${item.element.key}` }),
              )}
            {task.status === 'accepted' || task.status === 'wrapping' ? (
              <p className="elsewhere">
                Not Flex: TaskRouter can complete a task without the agent (a supervisor, the REST API, a
                timeout).{' '}
                <button
                  type="button"
                  className="link"
                  disabled={busy}
                  onClick={() =>
                    act(async () => {
                      await postTask(`/api/supervisor/tasks/${task.taskSid}/complete`);
                      // Flex hears of it from TaskRouter, not from the page: as a refresh does.
                      await refresh();
                    })
                  }
                >
                  Complete it as a supervisor
                </button>
              </p>
            ) : null}
          </>
        )}
      </main>
    </div>
  );
}

async function main() {
  const setup = (await (await fetch('/api/desk')).json()) as DeskSetup;
  const desktop: FlexDesktop = createFlexDesktop({
    token: setup.token,
    tasks: setup.tasks,
    NotificationAction,
    actions: {
      // Flex's CompleteTask body: TaskRouter completes the task (and the agent's reservation).
      async CompleteTask(payload) {
        const task = payload.task as DeskTask;
        desktop.update([await postTask(`/api/tasks/${task.taskSid}/complete`)]);
      },
    },
  });
  const refresh = async () => {
    const response = await fetch('/api/tasks').catch(() => undefined);
    if (response?.ok) desktop.update((await response.json()) as DeskTask[]);
  };
  registerCallerContext(desktop.flex, desktop.manager, { saveContextUrl: setup.saveContextUrl });
  setInterval(() => void refresh(), REFRESH_MS);
  ReactDOM.render(<App desktop={desktop} refresh={refresh} />, document.getElementById('root'));
}

void main();
