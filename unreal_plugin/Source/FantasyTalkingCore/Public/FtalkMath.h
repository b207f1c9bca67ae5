// Copyright FantasyTalking contributors. Apache-2.0.

#pragma once

#include "FtalkCoreApi.h"

#include <cstdint>

/**
 * The little quaternion algebra the plugin needs, in plain C++ so that it is tested outside Unreal.
 *
 * Quaternions are (X, Y, Z, W) with the usual Hamilton product: A * B applies B first, then A,
 * which is also how FQuat composes. Rotating a vector is q v q*, the formula FQuat::RotateVector
 * uses, so a quaternion computed here means the same thing when copied into an FQuat.
 */
namespace FantasyTalking
{
	struct FVec3d
	{
		double X = 0.0;
		double Y = 0.0;
		double Z = 0.0;
	};

	struct FQuatd
	{
		double X = 0.0;
		double Y = 0.0;
		double Z = 0.0;
		double W = 1.0;
	};

	FTALKCORE_API FQuatd Multiply(const FQuatd& A, const FQuatd& B);
	FTALKCORE_API FQuatd Inverse(const FQuatd& Q);
	FTALKCORE_API FQuatd Normalize(const FQuatd& Q);
	FTALKCORE_API double Dot(const FQuatd& A, const FQuatd& B);
	FTALKCORE_API FVec3d Rotate(const FQuatd& Q, const FVec3d& V);
	FTALKCORE_API FQuatd FromAxisAngle(const FVec3d& UnitAxis, double Radians);

	/**
	 * Spherical interpolation along the shorter arc; Alpha 0 gives A, 1 gives B (or -B, the same
	 * rotation). Falls back to a normalised lerp when the two are nearly equal.
	 */
	FTALKCORE_API FQuatd Slerp(const FQuatd& A, const FQuatd& B, double Alpha);

	/** Which way the character looks in the mesh's component space. Unreal meshes face +Y (Mannequin, MetaHuman). */
	enum class EFacing : uint8_t
	{
		PlusY,
		MinusY,
		PlusX,
		MinusX,
	};

	/**
	 * From FantasyTalking's joint axes to Unreal component space.
	 *
	 * FantasyTalking (common.proto): +X to the character's left, +Y up, +Z out of the face,
	 * right-handed. Unreal: X forward, Y right, Z up, left-handed. With the character facing F and
	 * up +Z, its left is F x Z in Unreal's coordinates. The basis change M maps (left, up, forward)
	 * to those Unreal vectors; a rotation's vector part is an axial vector, so it maps to
	 * det(M) * M * v (M is a reflection here: the handedness changes).
	 */
	class FTALKCORE_API FAxisConversion
	{
	public:
		explicit FAxisConversion(EFacing Facing = EFacing::PlusY);

		/** A point or direction in FantasyTalking axes, in Unreal component axes. */
		FVec3d ToUnreal(const FVec3d& V) const;

		/** A rotation in FantasyTalking axes, as the same physical rotation in Unreal component axes. */
		FQuatd ToUnreal(const FQuatd& Q) const;

		EFacing GetFacing() const { return Facing; }

	private:
		EFacing Facing;
		/** Columns: where FantasyTalking's X, Y and Z go. */
		double M[3][3];
		double Determinant;
	};

	/**
	 * A joint's new local (parent-space) rotation after rotating it by Delta about its own pivot.
	 *
	 * Delta is a rotation in component axes: what the joint turns by relative to its parent,
	 * the way FantasyTalking's joints are defined on a rig with no rest rotations. For a rig whose
	 * bones have arbitrary rest orientations, this conjugates Delta into the parent's frame:
	 * Local' = (ParentCS^-1 * Delta * ParentCS) * Local. Applied to a chain (neck, then head) with
	 * every ParentCS taken from the incoming pose, the head's component rotation becomes
	 * DeltaNeck * DeltaHead * HeadCS, which is what the joints mean.
	 */
	FTALKCORE_API FQuatd ApplyJointDelta(const FQuatd& ParentComponentRotation, const FQuatd& LocalRotation, const FQuatd& Delta);

	/** Live Link Face's head and eye curves hold degrees / 180 (radians / pi), in -1..1. */
	FTALKCORE_API float RadiansToLiveLinkAngle(float Radians);
}
