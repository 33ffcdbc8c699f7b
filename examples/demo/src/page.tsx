/**
 * The agent desk: a small stand-in for the Flex UI (task list, task canvas, Complete
 * button, notification bar) that hands its own `flex` and `manager` objects to the real
 * `registerCallerContext`, exactly as a plugin's init does in Flex. What the panel and
 * the wrap-up do here is what they do in Flex: the save goes to the save Function.
 */
import {
  type ContentOptions,
  type FlexLike,
  type FlexNotification,
  type ManagerLike,
  type NotificationActionProps,
  registerCallerContext,
} from '@stickycalls/flex-react';
import * as React from 'react';
import * as ReactDOM from 'react-dom';

interface DeskTask {
  sid: string;
  taskSid: string;
  title: string;
  status: string;
  taskChannelUniqueName: string;
  attributes: Record<string, unknown>;
  setAttributes(attributes: object): Promise<void>;
}

interface Desk {
  token: string;
  saveContextUrl: string;
  tasks: Omit<DeskTask, 'setAttributes'>[];
}

type Listener = () => void;
const listeners = new Set<Listener>();
const changed = () => {
  for (const listener of [...listeners]) listener();
};

function contentStore() {
  const items: { element: React.ReactElement; options: ContentOptions }[] = [];
  return {
    items,
    add(element: React.ReactElement, options: ContentOptions = {}) {
      items.push({ element, options });
      items.sort((a, b) => (a.options.sortOrder ?? 0) - (b.options.sortOrder ?? 0));
      changed();
      return () => this.remove(String(element.key));
    },
    remove(key: string) {
      const index = items.findIndex((item) => item.element.key === key);
      if (index >= 0) items.splice(index, 1);
      changed();
    },
  };
}

type ActionListener = (payload: unknown, abort: () => void) => unknown;
const actionListeners = new Map<string, Set<ActionListener>>();
const active: (FlexNotification & { instanceId?: string })[] = [];
let shownCount = 0;
const registered = new Map<string, FlexNotification>();

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

const flex = {
  TaskCanvas: { Content: contentStore() },
  TaskInfoPanel: { Content: contentStore() },
  Actions: {
    addListener(event: string, listener: ActionListener) {
      const set = actionListeners.get(event) ?? new Set();
      set.add(listener);
      actionListeners.set(event, set);
    },
    removeListener(event: string, listener: ActionListener) {
      actionListeners.get(event)?.delete(listener);
    },
  },
  Notifications: {
    registeredNotifications: registered,
    registerNotification(notification: FlexNotification) {
      registered.set(notification.id, notification);
    },
    showNotification(id: string, context?: object) {
      const notification = registered.get(id);
      if (notification === undefined) return null;
      shownCount += 1;
      const shown = { ...notification, instanceId: String(shownCount), context: { ...(context ?? {}) } };
      active.push(shown);
      changed();
      if (notification.timeout) setTimeout(() => dismiss(shown), notification.timeout);
      return shown;
    },
    dismissNotificationById(id: string) {
      for (const notification of active.filter((n) => n.id === id)) dismiss(notification);
    },
  },
  NotificationType: { error: 'error', warning: 'warning', success: 'success' },
  NotificationBar: { Action: NotificationAction },
} satisfies FlexLike;

function dismiss(notification: FlexNotification) {
  const index = active.indexOf(notification);
  if (index >= 0) active.splice(index, 1);
  changed();
}

/** What Flex's CompleteTask action does with `before` listeners: await them, stop if one aborts. */
async function completeTask(task: DeskTask): Promise<boolean> {
  let aborted = false;
  for (const listener of actionListeners.get('beforeCompleteTask') ?? []) {
    await listener({ task }, () => {
      aborted = true;
    });
  }
  if (!aborted) {
    task.status = 'completed';
    changed();
  }
  return !aborted;
}

function useChanges() {
  const [, setTick] = React.useState(0);
  React.useEffect(() => {
    const listener = () => setTick((tick) => tick + 1);
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
    };
  }, []);
}

function App({ tasks }: { tasks: DeskTask[] }) {
  useChanges();
  const [selected, setSelected] = React.useState(tasks[0]?.sid);
  const task = tasks.find((t) => t.sid === selected);
  const [busy, setBusy] = React.useState(false);
  return (
    <div className="desk">
      <div className="bar" aria-live="polite">
        {active.map((notification) => (
          <div key={notification.instanceId} className={`note note-${notification.type}`} role="status">
            <span>
              {React.isValidElement(notification.content)
                ? React.cloneElement(
                    notification.content as React.ReactElement<{ notificationContext?: object }>,
                    {
                      notificationContext: notification.context ?? {},
                    },
                  )
                : notification.content}
            </span>
            {(notification.actions ?? []).map((action) =>
              React.cloneElement(action as React.ReactElement<{ notification?: FlexNotification }>, {
                key: String(action.key),
                notification,
              }),
            )}
            <button
              type="button"
              className="bar-action"
              aria-label="Dismiss"
              onClick={() => dismiss(notification)}
            >
              ×
            </button>
          </div>
        ))}
      </div>
      <nav aria-label="Tasks" className="tasks">
        <h1>Agent desk</h1>
        <ul>
          {tasks.map((t) => (
            <li key={t.sid}>
              <button
                type="button"
                aria-current={t.sid === selected ? 'true' : undefined}
                onClick={() => setSelected(t.sid)}
              >
                <strong>{t.title}</strong>
                <span className="task-status">{t.status}</span>
              </button>
            </li>
          ))}
        </ul>
        <p className="hint">
          Simulated tasks from the scenario. The panel and the wrap-up are the real{' '}
          <code>@stickycalls/flex-react</code> components; completing a task saves through the save Function.
        </p>
      </nav>
      <main className="canvas" aria-label="Task canvas">
        {task === undefined ? null : (
          <>
            <header className="canvas-header">
              <h2>{task.title}</h2>
              {task.status === 'assigned' ? (
                <button
                  type="button"
                  onClick={() => {
                    task.status = 'wrapping';
                    changed();
                  }}
                >
                  End call and wrap up
                </button>
              ) : null}
              {task.status === 'wrapping' ? (
                <button
                  type="button"
                  disabled={busy}
                  onClick={async () => {
                    setBusy(true);
                    try {
                      await completeTask(task);
                    } finally {
                      setBusy(false);
                    }
                  }}
                >
                  Complete task
                </button>
              ) : null}
            </header>
            {flex.TaskCanvas.Content.items
              .filter((item) => item.options.if === undefined || item.options.if({ task }))
              .map((item) =>
                React.cloneElement(item.element, { task, key: `${task.sid}:${item.element.key}` }),
              )}
          </>
        )}
      </main>
    </div>
  );
}

async function main() {
  const desk = (await (await fetch('/api/desk')).json()) as Desk;
  const manager = { user: { token: desk.token }, strings: {} } satisfies ManagerLike;
  registerCallerContext(flex, manager, { saveContextUrl: desk.saveContextUrl });
  const tasks: DeskTask[] = desk.tasks.map((t) => {
    const task: DeskTask = {
      ...t,
      async setAttributes(attributes: object) {
        // TaskRouter replaces the whole object; the desk keeps it on the server too.
        task.attributes = { ...(attributes as Record<string, unknown>) };
        await fetch(`/api/tasks/${task.sid}/attributes`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify(task.attributes),
        });
        changed();
      },
    };
    return task;
  });
  ReactDOM.render(<App tasks={tasks} />, document.getElementById('root'));
}

void main();
