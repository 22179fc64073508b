/**
 * Live: every room in production with its roster, updated by the server's event stream — who is talking,
 * who is the administrator, who is muted — with mute/unmute, kick, lock and invite.
 */
import { useCallback, useEffect, useState } from 'react';
import { api, type Conference, type Participant } from '../api.ts';
import { Confirm } from '../components/dialog.tsx';
import { InviteDialog } from '../components/invite-dialog.tsx';
import { ListState, PageHeader } from '../components/page-header.tsx';
import type { LiveEvent } from '../events.ts';
import { useLiveEvents } from '../live-events.tsx';
import { useCan } from '../session.ts';
import { useLoad } from '../use-load.ts';

interface Room {
  participants: Participant[];
  error?: string;
  locked?: boolean;
}

type LiveConference = Conference & { locked?: boolean };

function roomOf(rooms: Record<string, Room>, id: string): Room {
  return rooms[id] ?? { participants: [] };
}

export function LivePage() {
  const conferences = useLoad(() => api.conferences.list('live') as Promise<LiveConference[]>);
  const users = useLoad(() => api.users.list('live'));
  // People are shown by name when their number is a user's extension (an invited phone reports only it).
  const userFor = (p: Participant) => users.data?.find((u) => u.extension === (p.extension ?? p.callerId));
  const memberName = (p: Participant) => userFor(p)?.name ?? (p.callerId || p.extension || 'Unknown caller');
  const memberNumber = (p: Participant) => {
    const number = p.extension ?? (userFor(p) ? p.callerId : undefined);
    return number && number !== memberName(p) ? number : undefined;
  };
  const canControl = useCan('participants');
  const routes = useLoad(() => api.routes());
  const canLock = canControl && (routes.data?.has('/api/conferences/{id}/lock') ?? false);
  const [rooms, setRooms] = useState<Record<string, Room>>({});
  const [inviting, setInviting] = useState<Conference>();
  const [kicking, setKicking] = useState<{ room: Conference; p: Participant; error?: string }>();
  const [actionError, setActionError] = useState<string>();

  const loadRoom = useCallback(async (id: string) => {
    try {
      const participants = await api.participants(id);
      setRooms((r) => ({ ...r, [id]: { ...r[id], participants, error: undefined } }));
    } catch (err) {
      setRooms((r) => ({
        ...r,
        [id]: { ...roomOf(r, id), error: err instanceof Error ? err.message : String(err) },
      }));
    }
  }, []);
  useEffect(() => {
    for (const c of conferences.data ?? []) {
      setRooms((r) => ({ ...r, [c.id]: { ...roomOf(r, c.id), locked: r[c.id]?.locked ?? c.locked } }));
      void loadRoom(c.id);
    }
  }, [conferences.data, loadRoom]);

  const connected = useLiveEvents((e: LiveEvent) => {
    const id = String(e.data.conferenceId ?? (e.type.startsWith('conference.') ? (e.data.id ?? '') : ''));
    if (e.type === 'config.applied') {
      void conferences.reload();
      return;
    }
    if (!id) return;
    if (e.type === 'participant.talking') {
      const pid = String(e.data.participantId ?? e.data.id ?? '');
      const talking = e.data.talking !== false;
      setRooms((r) => {
        const room = r[id];
        if (!room) return r;
        const participants = room.participants.map((p) => (p.id === pid ? { ...p, talking } : p));
        return { ...r, [id]: { ...room, participants } };
      });
    } else if (e.type === 'conference.locked' || e.type === 'conference.unlocked') {
      setRooms((r) => ({ ...r, [id]: { ...roomOf(r, id), locked: e.type === 'conference.locked' } }));
    } else if (e.type.startsWith('participant.') || e.type.startsWith('conference.')) {
      void loadRoom(id);
    }
  });

  const act = async (what: () => Promise<void>, roomId: string) => {
    setActionError(undefined);
    try {
      await what();
    } catch (err) {
      setActionError(err instanceof Error ? err.message : String(err));
    }
    await loadRoom(roomId);
  };

  const all = conferences.data ?? [];
  // One reason for every room (typically: no PBX in this process) is said once, above the rooms.
  const roomErrors = new Set(all.map((c) => rooms[c.id]?.error));
  const sharedError = all.length > 0 && roomErrors.size === 1 ? [...roomErrors][0] : undefined;
  const running = all.filter((c) => (rooms[c.id]?.participants.length ?? 0) > 0);
  const idle = all.filter((c) => (rooms[c.id]?.participants.length ?? 0) === 0);
  return (
    <>
      <PageHeader
        title="Live"
        intro={
          <>
            Rooms in production and who is in them.{' '}
            <span className={connected ? 'status status-ok' : 'status status-warn'} role="status">
              {connected ? 'Updating live' : 'Connecting to live updates…'}
            </span>
          </>
        }
      />
      {sharedError && (
        <p className="alert alert-warning" role="alert">
          {sharedError}
        </p>
      )}
      {actionError && (
        <p className="alert alert-error" role="alert">
          {actionError}
        </p>
      )}
      <ListState
        load={conferences}
        count={all.length}
        empty="No conference in production yet: add one, then Apply changes."
      />
      {running.length === 0 && all.length > 0 && (
        <p className="empty">No one is in a conference right now.</p>
      )}
      <div className="rooms">
        {[...running, ...idle].map((c) => {
          const room = rooms[c.id];
          const people = room?.participants ?? [];
          return (
            <section
              key={c.id}
              className={people.length ? 'room room-running' : 'room'}
              aria-labelledby={`room-${c.id}`}
            >
              <header className="room-header">
                <h2 id={`room-${c.id}`}>
                  {c.name} <span className="muted">· {c.extension}</span>
                </h2>
                <p className="room-meta">
                  {people.length === 0
                    ? 'Empty'
                    : people.length === 1
                      ? '1 person'
                      : `${people.length} people`}
                  {room?.locked && <span className="tag tag-removed">Locked</span>}
                </p>
                <div className="room-actions">
                  {canControl && (
                    <button type="button" className="button button-small" onClick={() => setInviting(c)}>
                      Invite<span className="sr-only"> to {c.name}</span>
                    </button>
                  )}
                  {canLock && (
                    <button
                      type="button"
                      className="button button-small"
                      aria-pressed={!!room?.locked}
                      onClick={() =>
                        void act(async () => {
                          await api.lock(c.id, !room?.locked);
                          setRooms((r) => ({ ...r, [c.id]: { ...roomOf(r, c.id), locked: !room?.locked } }));
                        }, c.id)
                      }
                    >
                      {room?.locked ? 'Unlock' : 'Lock'}
                      <span className="sr-only"> {c.name}</span>
                    </button>
                  )}
                </div>
              </header>
              {room?.error && !sharedError && <p className="field-error">{room.error}</p>}
              {people.length > 0 && (
                <ul className="roster" aria-label={`People in ${c.name}`}>
                  {people.map((p) => (
                    <li key={p.id} className={p.talking ? 'member member-talking' : 'member'}>
                      <span className="talk-dot" aria-hidden="true" />
                      <span className="member-info">
                        <span className="member-name">
                          {memberName(p)}
                          {memberNumber(p) && <span className="muted"> · {memberNumber(p)}</span>}
                        </span>
                        {p.role === 'admin' && <span className="tag tag-admin">Administrator</span>}
                        {p.muted && <span className="tag tag-muted">Muted</span>}
                        {p.waiting && <span className="tag tag-changed">Waiting for the administrator</span>}
                        <span className="member-since muted">since {formatTime(p.joinedAt)}</span>
                      </span>
                      {p.talking && <span className="sr-only">Talking</span>}
                      {canControl && (
                        <span className="member-actions">
                          <button
                            type="button"
                            className="button button-small"
                            onClick={() => void act(() => api.mute(c.id, p.id, !p.muted), c.id)}
                          >
                            {p.muted ? 'Unmute' : 'Mute'}
                            <span className="sr-only"> {memberName(p)}</span>
                          </button>
                          <button
                            type="button"
                            className="button button-small button-danger-outline"
                            onClick={() => setKicking({ room: c, p })}
                          >
                            Kick<span className="sr-only"> {memberName(p)}</span>
                          </button>
                        </span>
                      )}
                    </li>
                  ))}
                </ul>
              )}
            </section>
          );
        })}
      </div>
      {inviting && (
        <InviteDialog
          conferenceId={inviting.id}
          conferenceName={inviting.name}
          onClose={() => setInviting(undefined)}
        />
      )}
      {kicking && (
        <Confirm
          title="Remove from the conference?"
          message={`${memberName(kicking.p)} will be hung up and leave “${kicking.room.name}”.`}
          confirmLabel="Kick"
          danger
          error={kicking.error}
          onCancel={() => setKicking(undefined)}
          onConfirm={() => {
            api.kick(kicking.room.id, kicking.p.id).then(
              () => {
                setKicking(undefined);
                void loadRoom(kicking.room.id);
              },
              (err: unknown) =>
                setKicking({ ...kicking, error: err instanceof Error ? err.message : String(err) }),
            );
          }}
        />
      )}
    </>
  );
}

/** The time of day someone joined, in the browser's own format. */
function formatTime(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime())
    ? ''
    : d.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
}
